"""Which isolation layers does this machine give, and what does an attack look like?"""

import asyncio
import json

from codemode_skills import SubprocessDriver, create_code_mode

ATTACKS = {
    "read a host file": "return open('/etc/passwd').read()",
    "walk to all classes": "return ().__class__.__mro__[1].__subclasses__()",
    "format-string trick": "def f(): pass\nreturn '{0.__globals__}'.format(f)",
    "import os": "import os\nreturn os.environ",
    "eat memory": "return len('a' * 10**10)",
    "spin forever": "while True:\n    pass",
}


async def main() -> None:
    # strict=True would refuse to start unless every layer is available
    async with create_code_mode([], driver=SubprocessDriver(), timeout_s=2) as cm:
        print(json.dumps({k: cm.driver.isolation[k] for k in ("active", "inactive")}, indent=2))
        for name, code in ATTACKS.items():
            result = await cm.execute(code)
            assert not result.success
            print(f"{name:22} -> {result.error.type}: {result.error.message[:70]}")


if __name__ == "__main__":
    asyncio.run(main())
