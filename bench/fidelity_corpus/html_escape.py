import html

snippet = '<a href="x?a=1&b=2">Tom & "Jerry"</a>'
escaped = html.escape(snippet)
print(escaped)
print(html.escape(snippet, quote=False))
print(html.unescape(escaped) == snippet, html.unescape("&eacute;&#233;&lt;&nbsp;|"))
