// effect-asyncio's run, with the subpath imports the README uses: asyncio.run(asyncio.sleep(0)).
import { sleep } from "@effect-asyncio/core/Sleep"
import { run } from "@effect-asyncio/node/Run"

run(sleep(0))
