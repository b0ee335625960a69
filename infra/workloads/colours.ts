/** The colours of a blue-green pair; `blue` is live until the pipeline switches (or shifts the weights). */
export const COLOURS = ["blue", "green"] as const;
export type Colour = (typeof COLOURS)[number];
