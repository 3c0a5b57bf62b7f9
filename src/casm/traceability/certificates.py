"""Export certificates: their signed document, the signing key, checking a copy, and the PDF.

A certificate's fields are signed as canonical JSON (keys sorted, no spaces, UTF-8) with
Ed25519. The *document* is what anyone may hold and check offline: the fields, the key's id
and the signature. The private key is a PEM file (``settings.CERTIFICATE_KEY_FILE``, made on
first use); each public key is also kept in the database (``SigningKey``), published at
``/traceability/certificates/keys.pem``, so that certificates signed by an earlier key still
verify."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from casm.core.pdf import draw_qr, latin1

FORMAT = "casm-export-certificate/1"
# The largest certificate document read (a real one is a few kilobytes).
MAX_DOCUMENT_BYTES = 256 * 1024


class KeyFileError(Exception):
    """The signing key's file cannot be read or written."""


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _public_bytes(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_of(public: Ed25519PublicKey) -> str:
    """A key's short name: the first 16 hex digits of the SHA-256 of its raw bytes."""
    return hashlib.sha256(_public_bytes(public)).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def _key_file() -> Path:
    return Path(settings.CERTIFICATE_KEY_FILE)


def signing_key() -> Ed25519PrivateKey:
    """The installation's private key, made (mode 0600) the first time it is needed."""
    path = _key_file()
    try:
        if not path.exists():
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # made at the same moment by another process
                pass
            else:
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(pem)
        loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except OSError as exc:
        raise KeyFileError(f"{path}: {exc.strerror}") from None
    except ValueError:
        raise KeyFileError(f"{path}: not a PEM private key") from None
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: not an Ed25519 key")
    return loaded


def sign(data: dict[str, Any]) -> tuple[str, str, str]:
    """Sign ``data``: (key id, signature in base64, the public key's PEM)."""
    key = signing_key()
    public = key.public_key()
    signature = base64.b64encode(key.sign(canonical(data))).decode()
    return key_id_of(public), signature, public_pem(public)


def document(certificate: Any) -> dict[str, Any]:
    """The signed document of an issued certificate, as anyone holding it keeps it."""
    return {
        "format": FORMAT,
        "certificate": certificate.data,
        "key_id": certificate.key_id,
        "signature": certificate.signature,
    }


@dataclass(frozen=True)
class Verdict:
    """What checking a document found: valid or not, why (a message code), and its fields."""

    valid: bool
    code: str
    data: dict[str, Any]

    @property
    def message(self) -> str:
        return str(VERDICTS[self.code])

    @property
    def certificate(self) -> dict[str, Any]:
        return self.data


VERDICTS = {
    "valid": _("The signature is valid: this copy is the certificate as issued."),
    "tampered": _("The signature does not match: this copy was changed after it was signed."),
    "unknown_key": _("The certificate was not signed by a key of this platform."),
    "malformed": _("This is not a certificate document of this platform."),
    "too_large": _("The file is too large to be a certificate document."),
}


def _load_public(pem: str) -> Ed25519PublicKey | None:
    try:
        public = serialization.load_pem_public_key(pem.encode())
    except ValueError:
        return None
    return public if isinstance(public, Ed25519PublicKey) else None


def public_keys_from_pem(text: str) -> dict[str, Ed25519PublicKey]:
    """Every Ed25519 public key of a PEM text (one or several blocks), by key id."""
    keys: dict[str, Ed25519PublicKey] = {}
    end = "-----END PUBLIC KEY-----"
    for block in text.split(end):
        if "-----BEGIN PUBLIC KEY-----" in block:
            public = _load_public(block[block.index("-----BEGIN") :] + end + "\n")
            if public is not None:
                keys[key_id_of(public)] = public
    return keys


def verify(raw: bytes | str | dict[str, Any], keys: dict[str, Ed25519PublicKey]) -> Verdict:
    """Check a certificate document (its JSON text or its parsed form) against ``keys``."""
    if isinstance(raw, bytes | str):
        if len(raw) > MAX_DOCUMENT_BYTES:
            return Verdict(False, "too_large", {})
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            return Verdict(False, "malformed", {})
    else:
        parsed = raw
    if not isinstance(parsed, dict) or parsed.get("format") != FORMAT:
        return Verdict(False, "malformed", {})
    data, key_id, signature = (parsed.get(k) for k in ("certificate", "key_id", "signature"))
    if not isinstance(data, dict) or not isinstance(key_id, str) or not isinstance(signature, str):
        return Verdict(False, "malformed", {})
    public = keys.get(key_id)
    if public is None:
        return Verdict(False, "unknown_key", data)
    try:
        public.verify(base64.b64decode(signature, validate=True), canonical(data))
    except (InvalidSignature, binascii.Error, ValueError):
        return Verdict(False, "tampered", data)
    return Verdict(True, "valid", data)


def known_keys() -> dict[str, Ed25519PublicKey]:
    """The public keys this installation has signed with."""
    from .models import SigningKey

    keys: dict[str, Ed25519PublicKey] = {}
    for row in SigningKey.objects.all():
        public = _load_public(row.public_key)
        if public is not None:
            keys[row.key_id] = public
    return keys


def published_keys_pem() -> str:
    from .models import SigningKey

    return "".join(row.public_key for row in SigningKey.objects.order_by("created_at"))


# --- The PDF ------------------------------------------------------------------------------

# The fields in the order of the ICGLR certificate, each with its English and French label.
FIELDS = [
    ("identifier", "Certificate identifier", "Identifiant du certificat"),
    ("issuing_country", "Issuing country", "Pays émetteur"),
    ("exporter", "Exporter", "Exportateur"),
    ("importer", "Importer", "Importateur"),
    ("destination", "Country of destination", "Pays de destination"),
    ("lot", "Lot", "Lot"),
    ("mineral", "Mineral (HS code)", "Minerai (code SH)"),
    ("ore_type", "Type of ore", "Type de minerai"),
    ("weight", "Weight", "Poids"),
    ("grade", "Grade (%)", "Teneur (%)"),
    ("origin", "Origin (mine sites)", "Origine (sites miniers)"),
    ("customs_value", "Customs value", "Valeur en douane"),
    ("shipped_on", "Date of shipment", "Date d’expédition"),
    ("route", "Route", "Itinéraire"),
    ("transport_company", "Transport company", "Société de transport"),
    ("issuing_authority", "Issuing authority", "Autorité émettrice"),
    ("verifier", "Verifier, date", "Vérificateur, date"),
    ("validator", "Validator, date", "Validateur, date"),
    ("issued_on", "Date of issue", "Date d’émission"),
    ("expires_on", "Date of expiry", "Date d’expiration"),
]


def field_text(data: dict[str, Any], name: str) -> str:
    """One field of the signed data as printed (the same text on the PDF and the page)."""
    value = data.get(name)
    if name == "exporter" and isinstance(value, dict):
        registration = value.get("registration")
        return value.get("name", "") + (f" ({registration})" if registration else "")
    if name == "mineral" and isinstance(value, dict):
        return f"{value.get('name', '')} ({value.get('hs_code') or '—'})"
    if name == "weight" and isinstance(value, dict):
        return f"{value.get('mass', '')} {value.get('unit', '')}"
    if name == "origin" and isinstance(value, list):
        return "; ".join(
            f"{site.get('name', '')} ({site.get('code', '')}, {site.get('province') or '—'})"
            for site in value
            if isinstance(site, dict)
        )
    if name in ("verifier", "validator") and isinstance(value, dict):
        return f"{value.get('name', '')}, {value.get('on', '')}"
    if value in (None, ""):
        return "—"
    return str(value)


def certificate_pdf(certificate: Any, verify_url: str) -> bytes:
    """The certificate on one A4 page, in English and French, with a QR code of its page and
    its signature printed so that a copy typed back in can be checked."""
    from fpdf import FPDF

    data = certificate.data
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_title(latin1(f"Export certificate {certificate.identifier}"))
    pdf.set_font("Helvetica", style="B", size=15)
    pdf.cell(0, 8, latin1("Export certificate / Certificat d'exportation"), new_x="LMARGIN",
             new_y="NEXT")  # fmt: skip
    pdf.set_font("Helvetica", size=9)
    pdf.cell(0, 5, latin1("Regional certification of minerals / Certification régionale des "
                          "minerais"), new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    size = 38.0
    draw_qr(pdf, verify_url, left=210 - 10 - size, top=10, size=size)
    pdf.set_y(30)
    for name, english, french in FIELDS:
        pdf.set_font("Helvetica", style="B", size=8)
        pdf.cell(62, 6.2, latin1(f"{english} / {french}"))
        pdf.set_font("Helvetica", size=9)
        pdf.multi_cell(0, 6.2, latin1(field_text(data, name)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=8)
    pdf.multi_cell(0, 4.5, latin1(
        f"Check this certificate at / Vérifiez ce certificat sur : {verify_url}\n"
        f"Signed with Ed25519, key / Signé avec Ed25519, clé : {certificate.key_id}\n"
        f"Signature: {certificate.signature}"
    ), new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    return bytes(pdf.output())
