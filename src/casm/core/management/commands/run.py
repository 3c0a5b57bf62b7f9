import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from casm.lib.env import env_int, env_str


class Command(BaseCommand):
    help = "Serve the site with gunicorn and run the background worker; Ctrl-C stops both."

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=env_str("CASM_BIND", "127.0.0.1:8000"))
        parser.add_argument(
            "--workers", type=int, default=env_int("CASM_WEB_WORKERS", 2, minimum=1)
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start the worker")

    def handle(self, *args, bind: str, workers: int, no_worker: bool, **options):
        connection.ensure_connection()
        from django.db.migrations.executor import MigrationExecutor

        if MigrationExecutor(connection).migration_plan(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        ):
            raise CommandError("the database is not up to date: run `casm migrate` first")
        connection.close()
        casm = [sys.executable, "-m", "casm.cli"]
        processes = []
        if not no_worker:
            processes.append(subprocess.Popen([*casm, "worker"]))
        processes.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "--workers",
                    str(workers),
                    "--bind",
                    bind,
                    "--access-logfile",
                    "-",
                    "--graceful-timeout",
                    "10",
                    # Several servers on one machine would fight over the shared control socket.
                    "--no-control-socket",
                    "casm.wsgi:application",
                ]
            )
        )
        self.stdout.write(f"CASM is served on http://{bind}/ — Ctrl-C stops it.")

        def stop(signum=None, frame=None):
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            stop()
            deadline = time.monotonic() + 15
            for process in processes:
                try:
                    process.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    process.kill()
        codes = [process.returncode for process in processes]
        self.stdout.write("CASM stopped.")
        if any(code not in (0, 130, -signal.SIGTERM, -signal.SIGINT, None) for code in codes):
            os._exit(1)
