"""Seeds ChromaDB through its own client: collections with explicit embeddings (no embedding
model is needed or reachable). Idempotent: existing collections are left alone."""
import os
import random

import chromadb

client = chromadb.HttpClient(host="127.0.0.1", port=int(os.environ.get("CHROMA_PORT", "8000")))
rng = random.Random(42)
for name, count, dim in (("tars_home_documents", 2000, 64), ("conversation_memory", 600, 32)):
    existing = [c.name for c in client.list_collections()]
    if name in existing:
        continue
    col = client.get_or_create_collection(name, metadata={"hnsw:space": "cosine"}, embedding_function=None)
    for start in range(0, count, 500):
        ids = ["%s-%d" % (name, i) for i in range(start, min(start + 500, count))]
        col.add(
            ids=ids,
            embeddings=[[rng.random() for _ in range(dim)] for _ in ids],
            documents=["document %s" % i for i in ids],
            metadatas=[{"source": "seed", "n": i} for i in range(len(ids))],
        )
for c in client.list_collections():
    print("%s %d" % (c.name, c.count()))
