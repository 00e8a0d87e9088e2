# ruff: noqa: B018, F601
{1: "one", 2: "two", True: "bool key"}
