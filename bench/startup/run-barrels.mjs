// effect-asyncio's run through both packages' barrels (everything of both packages is loaded).
import * as asyncio from "@effect-asyncio/core"
import { run } from "@effect-asyncio/node"

run(asyncio.sleep(0))
