"""Makes the data of the words sample from a word list (Debian's wamerican by default).

  python3 samples/words/make_data.py [WORDS_FILE]        # WORDS_FILE: /usr/share/dict/words

Keeps the words of 1 to 15 lowercase letters a-z (63 638 of wamerican 2020.12.07's 104 334
lines), in the file's order. Word i (from 0) with i % 10 == 9 is held out. Each word is one
sample of 16 positions: ids are "." (0, the boundary) then the letters (a = 1 ... z = 26), padded
with 0; next is the letters, then 0 for the end of the word, padded with 0. So position t learns
to predict character t + 1 from characters 0..t.

Writes samples/words/data/train.csv and test.csv (the whole list, not committed), and the slice
the CI test trains on, samples/words/subset/train.csv and test.csv: the words with i % 20 == 0 and
the held-out words with i % 40 == 9.
"""
import os
import re
import sys

T = 16
HERE = os.path.dirname(os.path.abspath(__file__))


def words(path):
    out = []
    seen = set()
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            w = line.strip()
            if re.fullmatch("[a-z]{1,15}", w) and w not in seen:
                seen.add(w)
                out.append(w)
    return out


def row(w):
    codes = [ord(c) - ord("a") + 1 for c in w]
    ids = ([0] + codes + [0] * T)[:T]
    nxt = (codes + [0] * T)[:T]
    return ",".join(str(v) for v in ids + nxt)


def write(path, ws):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(",".join(["ids%d" % t for t in range(T)] + ["next%d" % t for t in range(T)]) + "\n")
        for w in ws:
            f.write(row(w) + "\n")


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/dict/words"
    ws = words(src)
    train = [w for i, w in enumerate(ws) if i % 10 != 9]
    test = [w for i, w in enumerate(ws) if i % 10 == 9]
    write(os.path.join(HERE, "data", "train.csv"), train)
    write(os.path.join(HERE, "data", "test.csv"), test)
    write(os.path.join(HERE, "subset", "train.csv"), [w for i, w in enumerate(ws) if i % 20 == 0])
    write(os.path.join(HERE, "subset", "test.csv"), [w for i, w in enumerate(ws) if i % 40 == 9])
    print("%d words: %d training, %d held out" % (len(ws), len(train), len(test)))


if __name__ == "__main__":
    main()
