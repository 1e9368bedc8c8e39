#!/usr/bin/env python3
"""A converter that starts and never listens (a wrong port, a missing
configuration): it just waits."""

import time

if __name__ == "__main__":
    time.sleep(300)
