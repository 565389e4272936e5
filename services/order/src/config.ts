import { readCommonConfig } from '@baedal/platform';

export const config = readCommonConfig(process.env, { needsDb: true });
export type Config = typeof config;
