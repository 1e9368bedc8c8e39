#!/usr/bin/env python3
"""A converter that hangs: it accepts every connection and never answers,
never reads, never connects anywhere."""

from convert_put import listeners_from_argv, serve


def main():
    held = []
    serve(listeners_from_argv(), lambda _count, client: held.append(client) or True)


if __name__ == "__main__":
    main()
