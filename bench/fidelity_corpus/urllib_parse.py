from urllib.parse import parse_qs, quote, unquote, urlencode, urljoin, urlparse, urlsplit

url = "https://user@api.example.org:8443/v1/items?page=2&tag=a&tag=b#frag"
parts = urlparse(url)
print(parts.scheme, parts.hostname, parts.port, parts.path, parts.fragment)
print(parse_qs(parts.query), parts.username)
print(urlencode({"q": "code mode", "n": 10, "list": ["x", "y"]}, doseq=True))
print(quote("a b/c?d"), quote("a b/c", safe=""), unquote("%7Euser%20x"))
print(urljoin("https://x.org/a/b", "../c"), urlsplit("//host/path").netloc)
print(parts._replace(query="").geturl())
