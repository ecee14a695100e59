"""Runs a command on a new pseudo-terminal and answers its prompts as a person would: for each
PROMPT ANSWER pair given after `--`, waits for PROMPT in what the command shows, then types ANSWER
and Enter. Prints everything the terminal showed (so a test can check what was echoed) and exits
with the command's status.

    python3 answer-on-tty.py 'password: ' secret 'password again: ' secret -- node cli.js --add-user ann
"""
import os
import pty
import sys

args = sys.argv[1:]
split = args.index('--')
pairs = args[:split]
command = args[split + 1:]

pid, fd = pty.fork()
if pid == 0:
    os.execvp(command[0], command)

shown = b''


def read_more():
    global shown
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        chunk = b''
    shown += chunk
    return chunk


position = 0
for prompt, answer in zip(pairs[0::2], pairs[1::2]):
    wanted = prompt.encode()
    while shown.find(wanted, position) < 0:
        if not read_more():
            sys.stdout.buffer.write(shown)
            sys.exit(f'the command ended before it asked {prompt!r}')
    position = shown.find(wanted, position) + len(wanted)
    os.write(fd, answer.encode() + b'\r')

while read_more():
    pass
_, status = os.waitpid(pid, 0)
sys.stdout.buffer.write(shown)
sys.exit(os.waitstatus_to_exitcode(status))
