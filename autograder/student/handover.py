"""What the grader and a notebook's hidden tests hand each other: file names, a size bound and the result line.

It imports nothing, so the grader's process can name these files before torch is loaded (grader/judge.py
loads torch in the background while the kernel starts).
"""
CHALLENGE_FILE = ".course_challenge.json"   # written next to the notebook by the grader (grader/judge.py)
OBSERVATIONS_DIR = ".course_observations"    # where the hidden tests leave their observations for the grader
MAX_TAPE_BYTES = 64 * 2**20                  # a bigger observations file is malformed
RESULT_PREFIX = "[course result]"            # grade()'s line of per-check results (check id, points, diagnosis id)
