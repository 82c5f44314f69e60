"""Prints Redis protocol that seeds thousands of keys (some with TTLs, some hashes and lists),
for `redis-cli --pipe`. Idempotent: the caller runs it only when seed:done is absent."""
import sys


def cmd(*args):
    out = ["*%d\r\n" % len(args)]
    for a in args:
        b = str(a)
        out.append("$%d\r\n%s\r\n" % (len(b.encode()), b))
    sys.stdout.write("".join(out))


for i in range(4000):
    cmd("SET", "cache:embedding:%d" % i, "v%d-" % i + "x" * (i % 50))
for i in range(800):
    cmd("SET", "session:%d" % i, "user-%d" % (i % 97), "EX", 86400 + i)
for i in range(300):
    cmd("HSET", "ratelimit:%d" % i, "count", i, "window", 60)
    cmd("EXPIRE", "ratelimit:%d" % i, 3600)
for i in range(200):
    cmd("RPUSH", "queue:jobs:%d" % (i % 10), "job-%d" % i)
cmd("SET", "seed:done", "1")
