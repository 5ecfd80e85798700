"""Item-kNN on ML-100K, leave-one-out, full ranking: what carries it.

Same split and scorer as instructrec's ItemKnnScorer (window 10, 10 newest items, decay 0.8,
cosine normalization, popularity tie-break, pessimistic ties). First table: which pairs count,
both directions (the scorer's), forward (b after a: what a next-item model learns) or backward.
Second table: how many of the newest history items vote, and with which decay.
"""
import math
import sys
from collections import defaultdict

path = sys.argv[1] if len(sys.argv) > 1 else "../shared/data/ml-100k/ml-100k.inter"
rows = []
with open(path) as f:
    next(f)
    for line in f:
        u, i, r, t = line.rstrip("\n").split("\t")
        rows.append((u, i, float(t)))
users = {}
items = {}
seqs = defaultdict(list)
for u, i, t in rows:
    uu = users.setdefault(u, len(users))
    ii = items.setdefault(i, len(items))
    seqs[uu].append((t, ii))
same_time = 0
total = 0
for uu in seqs:
    seqs[uu].sort(key=lambda x: x[0])
    ts = [t for t, _ in seqs[uu]]
    same_time += sum(1 for a, b in zip(ts, ts[1:]) if a == b)
    total += len(ts) - 1
    seqs[uu] = [i for _, i in seqs[uu]]
print(f"consecutive interactions with the same timestamp: {same_time}/{total} ({same_time/total:.1%})")
n_items = len(items)


def evaluate(direction, window=10, recent=10, decay=0.8):
    counts = [0] * n_items
    co = defaultdict(float)
    for s in seqs.values():
        train = s[:-2]
        for x in train:
            counts[x] += 1
        for p, a in enumerate(train):
            for b in train[p + 1 : p + 1 + window]:
                if a == b:
                    continue
                if direction in ("both", "forward"):
                    co[(a, b)] += 1
                if direction in ("both", "backward"):
                    co[(b, a)] += 1
    nb = defaultdict(list)
    for (a, b), c in co.items():
        nb[a].append((b, c / math.sqrt(counts[a] * counts[b])))
    most = max(counts)
    hr = ndcg = 0.0
    n = 0
    for s in seqs.values():
        if len(s) < 3:
            continue
        history, target = s[:-1], s[-1]
        score = [1e-6 * c / most for c in counts]
        w = 1.0
        for h in reversed(history[-recent:]):
            for b, sim in nb[h]:
                score[b] += w * sim
            w *= decay
        seen = set(history)
        ts = score[target]
        rank = sum(1 for j in range(n_items) if j != target and j not in seen and score[j] >= ts)
        n += 1
        if rank < 10:
            hr += 1
            ndcg += 1 / math.log2(rank + 2)
    return hr / n, ndcg / n


for direction in ("both", "forward", "backward"):
    hr, ndcg = evaluate(direction)
    print(f"{direction:<8} HR@10 {hr:.4f} NDCG@10 {ndcg:.4f}")
for recent, decay in ((1, 1.0), (3, 0.8), (10, 0.8), (10, 1.0), (50, 0.8), (50, 1.0)):
    hr, ndcg = evaluate("both", recent=recent, decay=decay)
    print(f"newest {recent:>2} decay {decay} HR@10 {hr:.4f} NDCG@10 {ndcg:.4f}")
