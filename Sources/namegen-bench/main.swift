import NameGen
print("bench: not yet")
