"""A small stand-in for the T.A.R.S. FastAPI backend: /health and /ready, a log file."""
import http.server
import json
import os
import signal
import sys
import time

LOG = "/app/logs/backend.log"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/health":
            code, body = 200, {"status": "healthy"}
        elif self.path == "/ready":
            ready = all(os.environ.get(k) for k in ("POSTGRES_HOST", "REDIS_HOST", "CHROMA_HOST"))
            code, body = (200 if ready else 503), {"ready": ready}
        else:
            code, body = 404, {"error": "not found"}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, fmt, *args):
        with open(LOG, "a") as f:
            f.write("%s %s\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), fmt % args))


# PID 1 in a container gets no default signal handling: exit cleanly on docker stop.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
http.server.ThreadingHTTPServer(("0.0.0.0", 8000), Handler).serve_forever()
