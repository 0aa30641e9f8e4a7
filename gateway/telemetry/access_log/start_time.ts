/**
 * `%START_TIME(format)%`: Envoy's time formatting in UTC (strftime conversions, absl's `%E<n>S` and `%E*S`,
 * Envoy's `%f`/`%<n>f` fractional seconds and `%s` epoch seconds). Times have millisecond precision, so
 * digits past the third are zeros.
 * @module
 */

let cachedSecond = NaN;
let cachedPrefix = "";

/** Envoy's default: `2020-11-25T21:26:18.409Z` (the part up to the second is cached: it rarely changes). */
export function defaultStartTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== cachedSecond) {
    const iso = new Date(second * 1000).toISOString();
    if (iso.length !== 24) return new Date(ms).toISOString();
    cachedSecond = second;
    cachedPrefix = iso.slice(0, 20);
  }
  return `${cachedPrefix}${String(Math.floor(ms) - second * 1000).padStart(3, "0")}Z`;
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** Compiles a time format once; the result formats epoch milliseconds. */
export function compileTimeFormat(format: string): (ms: number) => string {
  if (format === "") return defaultStartTime;
  const parts: ((d: Date, ms: number) => string)[] = [];
  let literal = "";
  const flush = () => {
    if (literal !== "") {
      const text = literal;
      parts.push(() => text);
      literal = "";
    }
  };
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== "%" || i + 1 >= format.length) {
      literal += c;
      continue;
    }
    const rest = format.slice(i + 1);
    const m = /^(E(\d|\*)S|(\d)f|.)/.exec(rest)!;
    const conv = conversion(m[0]);
    if (conv === undefined) {
      literal += `%${m[0]}`;
    } else if (typeof conv === "string") {
      literal += conv;
    } else {
      flush();
      parts.push(conv);
    }
    i += m[0].length;
  }
  flush();
  return (ms) => {
    const d = new Date(ms);
    let out = "";
    for (const p of parts) out += p(d, ms);
    return out;
  };
}

const pad = (n: number, width = 2, fill = "0") => String(n).padStart(width, fill);

/** Fractional seconds with `digits` digits (nanosecond resolution, millisecond precision). */
function fraction(ms: number, digits: number): string {
  const nanos = String(((ms % 1000) + 1000) % 1000 * 1_000_000).padStart(9, "0");
  return nanos.slice(0, digits);
}

/** One conversion: a function of the time, a constant, or undefined when unknown (printed as written). */
function conversion(spec: string): ((d: Date, ms: number) => string) | string | undefined {
  if (spec.startsWith("E")) {
    const digits = spec[1] === "*" ? 9 : Number(spec[1]);
    return (d, ms) => {
      const s = pad(d.getUTCSeconds());
      if (digits === 0) return s;
      const frac = spec[1] === "*" ? fraction(ms, 9).replace(/0+$/, "") : fraction(ms, digits);
      return frac === "" ? s : `${s}.${frac}`;
    };
  }
  if (spec.endsWith("f") && spec.length === 2) return (_d, ms) => fraction(ms, Number(spec[0]));
  switch (spec) {
    case "Y":
      return (d) => String(d.getUTCFullYear());
    case "C":
      return (d) => pad(Math.floor(d.getUTCFullYear() / 100));
    case "y":
      return (d) => pad(d.getUTCFullYear() % 100);
    case "m":
      return (d) => pad(d.getUTCMonth() + 1);
    case "d":
      return (d) => pad(d.getUTCDate());
    case "e":
      return (d) => pad(d.getUTCDate(), 2, " ");
    case "j":
      return (d) => pad(dayOfYear(d), 3);
    case "H":
      return (d) => pad(d.getUTCHours());
    case "I":
      return (d) => pad(((d.getUTCHours() + 11) % 12) + 1);
    case "p":
      return (d) => (d.getUTCHours() < 12 ? "AM" : "PM");
    case "M":
      return (d) => pad(d.getUTCMinutes());
    case "S":
      return (d) => pad(d.getUTCSeconds());
    case "f":
      return (_d, ms) => fraction(ms, 9);
    case "s":
      return (_d, ms) => String(Math.floor(ms / 1000));
    case "a":
      return (d) => DAYS[d.getUTCDay()].slice(0, 3);
    case "A":
      return (d) => DAYS[d.getUTCDay()];
    case "b":
    case "h":
      return (d) => MONTHS[d.getUTCMonth()].slice(0, 3);
    case "B":
      return (d) => MONTHS[d.getUTCMonth()];
    case "u":
      return (d) => String(d.getUTCDay() || 7);
    case "w":
      return (d) => String(d.getUTCDay());
    case "z":
      return "+0000";
    case "Z":
      return "UTC";
    case "T":
      return (d) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    case "R":
      return (d) => `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    case "F":
      return (d) => `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
    case "D":
      return (d) => `${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCDate())}/${pad(d.getUTCFullYear() % 100)}`;
    case "n":
      return "\n";
    case "t":
      return "\t";
    case "%":
      return "%";
    default:
      return undefined;
  }
}

function dayOfYear(d: Date): number {
  return Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}
