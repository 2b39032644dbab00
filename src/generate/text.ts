// Word lists and small text builders for titles, overviews, names and companies. The text is nonsense, but it
// carries the awkward characters the real file has: commas, apostrophes, double quotes and non-ASCII letters.
import type { Rng } from './prng.js';

const ADJECTIVES = [
  'Last',
  'Silent',
  'Broken',
  'Golden',
  'Hidden',
  'Dark',
  'Lost',
  'Wild',
  'Crimson',
  'Frozen',
  'Secret',
  'Midnight',
  'Burning',
  'Hollow',
  'Restless',
  'Electric',
  'Quiet',
  'Savage',
  'Little',
  'Endless',
  'Forgotten',
  'Bitter',
  'Lucky',
  'Final',
  'Strange',
  'Blue',
  'Iron',
  'Velvet',
  'Distant',
  'Shallow',
] as const;
const NOUNS = [
  'River',
  'Kingdom',
  'Summer',
  'Night',
  'Garden',
  'Empire',
  'Road',
  'Island',
  'Promise',
  'Shadow',
  'Winter',
  'Heart',
  'Storm',
  'Mirror',
  'Harbor',
  'City',
  'Station',
  'Dream',
  'Frontier',
  'Voyage',
  'Letter',
  'Machine',
  'Circus',
  'Orchard',
  'Detective',
  'Stranger',
  'Symphony',
  'Horizon',
  'Witness',
  'Lighthouse',
] as const;
const FIRST_NAMES = [
  'Woody',
  'Alan',
  'Judy',
  'Max',
  'Sofia',
  'Renée',
  'José',
  'Ingrid',
  'Kenji',
  'Amélie',
  'Oliver',
  'Grace',
  'Hector',
  'Nadia',
  'Björn',
  'Chloé',
  'Samuel',
  'Mei',
  'Tomás',
  'Lena',
  'Omar',
  'Priya',
  'Dmitri',
  'Ruth',
] as const;
const LAST_NAMES = [
  'Hanks',
  'Walker',
  "O'Brien",
  'Nguyen',
  'García',
  'Müller',
  'Rossi',
  'Kowalski',
  'Okafor',
  'Lindqvist',
  'Tanaka',
  "D'Angelo",
  'Brennan',
  'Moreau',
  'Haddad',
  'Ivanova',
  'Fischer',
  'Costa',
  'Larsen',
  'Byrne',
] as const;
const PLACES = [
  'Boston',
  'a small town in Ohio',
  'Paris',
  'the Scottish Highlands',
  'Tokyo',
  'São Paulo',
  'the Mojave',
  'New Orleans',
  'a fishing village',
  'Berlin',
  'the Yukon',
  'Marseille',
  'Lagos',
  'Reykjavík',
] as const;
const VERBS = [
  'find the truth',
  'win back the family farm',
  'escape the city',
  'solve the murder',
  'save the orphanage',
  'survive the winter',
  'cross the border',
  'stop the wedding',
  'win the championship',
  'clear a name',
] as const;
const ROLES = [
  'detective',
  'schoolteacher',
  'con artist',
  'widower',
  'jazz pianist',
  'soldier',
  'nurse',
  'boxer',
  'pilot',
  'journalist',
  'chef',
  'heir',
] as const;
const COMPANY_SUFFIX = ['Pictures', 'Films', 'Studios', 'Entertainment', 'Productions', 'Filmproduktion'];
// Words without a comma or quote (an unquoted overview half must stay one field); kept as the phrases they read as.
const QUOTE_SAFE_WORDS = (
  'a group of skiers are terrorized during spring break by some strangers ' +
  'British soldiers force recently captured film series in the mountains old friends return to village where it all began'
).split(' ');

/** A person's name, sometimes with an apostrophe or accents. */
export function personName(rng: Rng): string {
  return `${rng.pick(FIRST_NAMES)} ${rng.pick(LAST_NAMES)}`;
}

/** A film title. About 2% hold an apostrophe, 1% double quotes, 3% a comma. */
export function title(rng: Rng): string {
  const r = rng.next();
  if (r < 0.02) return `${rng.pick(FIRST_NAMES)}'s ${rng.pick(NOUNS)}`;
  if (r < 0.03) return `The "${rng.pick(ADJECTIVES)}" ${rng.pick(NOUNS)}`;
  if (r < 0.06) return `${rng.pick(NOUNS)}, ${rng.pick(NOUNS)}`;
  if (r < 0.35) return `The ${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
  if (r < 0.55) return `${rng.pick(NOUNS)} of the ${rng.pick(NOUNS)}`;
  if (r < 0.7) return `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} ${rng.range(2, 4)}`;
  return `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)}`;
}

/** One overview sentence; many have commas, some apostrophes or a quoted nickname. */
function sentence(rng: Rng): string {
  const who = personName(rng);
  switch (rng.int(5)) {
    case 0:
      return `When ${who}, a ${rng.pick(ROLES)} from ${rng.pick(PLACES)}, discovers a ${rng.pick(ADJECTIVES).toLowerCase()} ${rng.pick(NOUNS).toLowerCase()}, there is only one week to ${rng.pick(VERBS)}.`;
    case 1:
      return `${who}'s life changes forever after a chance meeting in ${rng.pick(PLACES)}.`;
    case 2:
      return `Known to everyone as "${rng.pick(ADJECTIVES)} ${rng.pick(FIRST_NAMES)}", a ${rng.pick(ROLES)} must ${rng.pick(VERBS)}.`;
    case 3:
      return `Meanwhile, ${who} and an old friend try to ${rng.pick(VERBS)}, but nothing goes to plan.`;
    default:
      return `A ${rng.pick(ROLES)} and a ${rng.pick(ROLES)} ${rng.pick(['fall in love', 'team up', 'collide'])} in ${rng.pick(PLACES)}.`;
  }
}

/** An overview of 1–4 sentences. */
export function overview(rng: Rng): string {
  return Array.from({ length: rng.range(1, 4) }, () => sentence(rng)).join(' ');
}

/** Words without commas or quotes, for the halves of the unquoted broken overviews. */
export function plainWords(rng: Rng, n: number): string {
  return Array.from({ length: n }, () => rng.pick(QUOTE_SAFE_WORDS)).join(' ');
}

/** A short tagline. */
export function tagline(rng: Rng): string {
  return rng.pick([
    `Some ${rng.pick(NOUNS).toLowerCase()}s never die.`,
    `Roll the dice and unleash the ${rng.pick(NOUNS).toLowerCase()}!`,
    `Still ${rng.pick(ADJECTIVES).toLowerCase()}. Still here.`,
    `You can't outrun the ${rng.pick(NOUNS).toLowerCase()}.`,
  ]);
}

/** A production company name; some contain an apostrophe, a few both quote kinds (Python repr edge cases). */
export function companyName(rng: Rng, i: number): string {
  if (i % 37 === 5) return `${rng.pick(FIRST_NAMES)}'s ${rng.pick(NOUNS)} ${rng.pick(COMPANY_SUFFIX)}`;
  if (i % 101 === 7) return `The "${rng.pick(ADJECTIVES)}" ${rng.pick(FIRST_NAMES)}'s Company`;
  if (i % 53 === 9) return `${rng.pick(LAST_NAMES)} & ${rng.pick(LAST_NAMES)}, Inc.`;
  return `${rng.pick(ADJECTIVES)} ${rng.pick(NOUNS)} ${rng.pick(COMPANY_SUFFIX)}`;
}

/** A keyword, lower case; a few with an apostrophe such as "based on children's book". */
export function keyword(rng: Rng, i: number): string {
  if (i % 29 === 3) return "based on children's book";
  if (i % 31 === 4) return `${rng.pick(NOUNS).toLowerCase()}'s revenge`;
  return `${rng.pick(ADJECTIVES).toLowerCase()} ${rng.pick(NOUNS).toLowerCase()}`;
}

const PATH_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A TMDB image path like `/rhIRbceoE9lR4veEXuwCC2wARtG.jpg`. */
export function imagePath(rng: Rng): string {
  let s = '/';
  for (let i = 0; i < 27; i++) s += PATH_CHARS[rng.int(PATH_CHARS.length)];
  return s + '.jpg';
}

/** A TMDB credit id: 24 hex digits. */
export function creditId(rng: Rng): string {
  let s = '';
  for (let i = 0; i < 3; i++) s += rng.nextU32().toString(16).padStart(8, '0');
  return s;
}

/** A character name for the cast list. */
export function characterName(rng: Rng): string {
  const n = personName(rng);
  return rng.chance(0.1) ? `${n} (voice)` : n;
}
