import logging
import sys

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(message)s")
log = logging.getLogger("demo")
log.info("starting")
log.warning("disk at %d%%", 91)
log.debug("hidden")
