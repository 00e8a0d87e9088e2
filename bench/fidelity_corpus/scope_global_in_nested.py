state = {"calls": 0}
mode = "idle"


def controller():
    def switch(new):
        global mode
        old, mode = mode, new
        return old

    state["calls"] += 1
    return switch("busy"), switch("done")


print(controller(), mode, state)
