// per-instruction tests: being written
