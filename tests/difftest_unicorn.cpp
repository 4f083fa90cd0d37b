// difftest: being written
