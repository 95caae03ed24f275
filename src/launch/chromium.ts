/**
 * Headless Chromium for the end-to-end tests and the visualizer benchmark: Debian's chromium
 * driven by playwright-core (a devDependency; nothing in the CLI imports this). The flags keep
 * it off the network, which this machine does not have (CHROMIUM overrides the binary).
 */
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}
