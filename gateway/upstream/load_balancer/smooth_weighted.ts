/**
 * Smooth weighted round robin (nginx's algorithm): every pick adds each candidate's weight to its running
 * score, takes the highest score and subtracts the candidates' total from it. Over `Σw` picks with integer
 * weights each endpoint is chosen exactly `w` times, interleaved rather than in bursts. Weights may change
 * between picks (warmup, LEAST_REQUEST's load-scaled weights); the schedule then follows them smoothly.
 * @module
 */

/** Running scores for a fixed number of slots. */
export class SmoothWeighted {
  readonly #score: Float64Array;

  /** Scores for `n` slots, all zero. */
  constructor(n: number) {
    this.#score = new Float64Array(n);
  }

  /**
   * The next slot among those `candidate` accepts, given each slot's current weight; `-1` when none is a
   * candidate. Ties go to the lowest index, so equal weights give plain rotation.
   */
  pick(weight: (i: number) => number, candidate: (i: number) => boolean): number {
    const score = this.#score;
    let best = -1;
    let total = 0;
    for (let i = 0; i < score.length; i++) {
      if (!candidate(i)) continue;
      const w = weight(i);
      score[i] += w;
      total += w;
      if (best < 0 || score[i] > score[best]) best = i;
    }
    if (best >= 0) score[best] -= total;
    return best;
  }
}
