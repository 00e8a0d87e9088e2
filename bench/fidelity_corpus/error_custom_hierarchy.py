class AppError(Exception):
    """Base error."""


class NotFound(AppError):
    def __init__(self, kind, key):
        super().__init__(kind, key)
        self.kind, self.key = kind, key

    def __str__(self):
        return f"{self.kind} {self.key!r} not found"


class Forbidden(AppError):
    pass


for exc in [NotFound("user", 7), Forbidden("no access"), AppError(), AppError("a", 2)]:
    try:
        raise exc
    except NotFound as e:
        print("not found:", e, e.args)
    except AppError as e:
        print(type(e).__name__, repr(e), str(e), e.args)
print(issubclass(NotFound, Exception), NotFound.__doc__, AppError.__doc__)
