"""Popularity's HR@10 under sampled:100 on the validation and the test items of a SASRec-format
file ("user item" per line, chronological), to tell how much harder one stage is than the other
for any model. Leave-one-out as in the project: last item = test, second last = validation,
items counted on the rest; 100 negatives drawn uniformly from the items the user never touched.

    python3 benches/peers/popularity_by_stage.py ../shared/data/amazon-games-sasrec/Video.txt
"""

import collections
import random
import sys


def main(path: str) -> None:
    sequences = collections.defaultdict(list)
    with open(path) as lines:
        for line in lines:
            user, item = line.split()
            sequences[user].append(int(item))
    num_items = max(item for sequence in sequences.values() for item in sequence)
    evaluated = [sequence for sequence in sequences.values() if len(sequence) >= 3]
    counts = collections.Counter()
    for sequence in evaluated:
        counts.update(sequence[:-2])
    rng = random.Random(0)
    for stage, offset in (("validation", -2), ("test", -1)):
        hits = 0
        unseen = 0
        for sequence in evaluated:
            target = sequence[offset]
            touched = set(sequence)
            negatives = set()
            while len(negatives) < 100:
                item = rng.randint(1, num_items)
                if item not in touched:
                    negatives.add(item)
            # Ties count pessimistically, as in the project's metrics.
            above = sum(1 for item in negatives if counts[item] >= counts[target])
            hits += above < 10
            unseen += counts[target] == 0
        print(
            f"{stage}: {len(evaluated)} users, popularity HR@10 {hits / len(evaluated):.4f}, "
            f"targets never in training {unseen / len(evaluated):.1%}"
        )


if __name__ == "__main__":
    main(sys.argv[1])
