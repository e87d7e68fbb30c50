#!/usr/bin/env node
// Launcher for the `hub-conformance` command: the suite is TypeScript, run through tsx's loader
// so auditors need no build step.
import { register } from 'tsx/esm/api'

register()
await import('../cli.ts')
