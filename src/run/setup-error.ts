/** The scenario module itself is wrong: its setup throws, or asks for a clock or validity window that does not parse. */
export class ScenarioSetupError extends Error {}
