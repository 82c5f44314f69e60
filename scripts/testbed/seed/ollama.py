"""Writes a realistic Ollama models tree into /root/.ollama/models: blobs named by their own
SHA-256 and manifests pointing at them. Idempotent: an existing manifest is left alone."""
import hashlib
import json
import os
import random

ROOT = "/root/.ollama/models"
rng = random.Random(7)


def blob(data):
    digest = hashlib.sha256(data).hexdigest()
    path = os.path.join(ROOT, "blobs", "sha256-" + digest)
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
    return "sha256:" + digest, len(data)


os.makedirs(os.path.join(ROOT, "blobs"), exist_ok=True)
for model, tag, weights in (("mistral", "7b-instruct", 6 << 20), ("nomic-embed-text", "latest", 2 << 20)):
    mdir = os.path.join(ROOT, "manifests", "registry.ollama.ai", "library", model)
    mpath = os.path.join(mdir, tag)
    if os.path.exists(mpath):
        continue
    os.makedirs(mdir, exist_ok=True)
    w_digest, w_size = blob(rng.randbytes(weights))
    t_digest, t_size = blob(("{{ .System }} {{ .Prompt }} %s" % model).encode())
    c_digest, c_size = blob(json.dumps({"model_family": model, "file_type": "Q4_0"}).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "digest": c_digest, "size": c_size},
        "layers": [
            {"mediaType": "application/vnd.ollama.image.model", "digest": w_digest, "size": w_size},
            {"mediaType": "application/vnd.ollama.image.template", "digest": t_digest, "size": t_size},
        ],
    }
    with open(mpath, "w") as f:
        json.dump(manifest, f)
print(sum(len(fs) for _, _, fs in os.walk(os.path.join(ROOT, "blobs"))), "blobs")
