import { inputError } from '@deploy-suite/core';

/** Beanstalk's health colours (DescribeEnvironments `Health`). */
const HEALTH_COLOURS = ['Green', 'Yellow', 'Red', 'Grey'] as const;
export type HealthColour = (typeof HEALTH_COLOURS)[number];

/**
 * Parses an `accepted-health` value such as `Green` or `Green,Yellow` (case-insensitive). Red is refused:
 * a Red environment is failing, and accepting it would report a broken deploy as done.
 */
export function parseAcceptedHealth(text: string, inputName = 'accepted-health'): HealthColour[] {
  const items = text
    .split(/[\n,]/)
    .map(item => item.trim())
    .filter(item => item !== '');
  if (items.length === 0) return ['Green'];
  const colours: HealthColour[] = [];
  for (const item of items) {
    const colour = HEALTH_COLOURS.find(candidate => candidate.toLowerCase() === item.toLowerCase());
    if (!colour) {
      throw inputError(
        `Input "${inputName}" names an unknown health colour ${JSON.stringify(item)}; ` +
          `Beanstalk's colours are ${HEALTH_COLOURS.join(', ')} (for example "Green" or "Green,Yellow")`
      );
    }
    if (colour === 'Red') {
      throw inputError(
        `Input "${inputName}" cannot accept Red: a Red environment is failing. Use "Green" or "Green,Yellow"`
      );
    }
    if (!colours.includes(colour)) colours.push(colour);
  }
  return colours;
}
