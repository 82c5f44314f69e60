"""Answers Ollama's /api/version and /api/tags from the models tree in /root/.ollama."""
import http.server
import json
import os
import signal
import sys

MODELS = os.environ.get("OLLAMA_MODELS", "/root/.ollama/models")


def tags():
    out = []
    root = os.path.join(MODELS, "manifests")
    for dirpath, _, files in os.walk(root):
        for tag in files:
            path = os.path.join(dirpath, tag)
            parts = os.path.relpath(path, root).split(os.sep)
            name = parts[-2] + ":" + tag
            with open(path, "rb") as f:
                manifest = json.load(f)
            size = sum(layer.get("size", 0) for layer in manifest.get("layers", []))
            out.append({"name": name, "model": name, "size": size})
    return {"models": out}


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/api/version":
            body = {"version": "0.0.0-lifeboat-testbed"}
        elif self.path == "/api/tags":
            body = tags()
        else:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


# PID 1 in a container gets no default signal handling: exit cleanly on docker stop.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
http.server.ThreadingHTTPServer(("0.0.0.0", 11434), Handler).serve_forever()
