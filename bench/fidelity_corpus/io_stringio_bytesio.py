import io

buf = io.StringIO("line one\nline two\nline three\n")
print(buf.readline(), end="")
print(buf.readlines())
buf.seek(0)
print(len(buf.read()), buf.tell())
out = io.StringIO()
out.write("a")
out.write("b\n")
print(repr(out.getvalue()))
b = io.BytesIO()
b.write("ünï".encode())
print(b.getvalue(), b.getbuffer().nbytes)
for line in io.StringIO("x\ny"):
    print(repr(line))
