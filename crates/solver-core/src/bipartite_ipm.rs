//! The interior-point method of `frontier_ipm.rs`, laid out densely for a face that is a
//! (nearly) complete bipartite graph between parties of one leg each.
//!
//! On plain markets every component of the optimal face is such a graph: with additive
//! surplus (`v_d − c_s`) every trading seller and buyer of a resource can trade with each other
//! at the competitive price, so all their pairs are on the face. The general method reaches
//! every arc through index arrays and adds each party's rank-one block entry by entry; here the
//! pair `(i, j)` (seller row `i`, buyer row `j`) lives at `i · n_b + j` of flat arrays, the
//! loops run over contiguous memory without indirection, and the Newton matrix
//!
//! ```text
//!   K = A Q⁻¹ Aᵀ = [ K_ss  K_bsᵀ ]    K_ss = diag(·) − G_β diag(1/s_b) G_βᵀ
//!                  [ K_bs  K_bb  ]    K_bb = diag(·) − G_αᵀ diag(1/s_s) G_α
//! ```
//!
//! is formed from dot products of rows (`G_α`, `G_β`: the arcs' `g D⁻¹`, seller × buyer; the
//! seller side is kept transposed for that). The iteration is the general one — same start,
//! centring, step rules, merit and acceptance (`frontier_ipm`'s constants and functions) — so a
//! face solved here lands on the same optimum; the arithmetic is arranged differently, and near
//! the optimum each Newton direction gets one step of iterative refinement
//! (`refine_direction`), which the cancellation in forming `K` this way needs.
//! Pairs missing from the face keep `z = v = 0` and `D⁻¹ = 1/z = 0`, so every term they could
//! add to a sum is zero.

use crate::deadline::Deadline;
use crate::dense_chol::{dot, dot_block, Dense};
use crate::frontier_ipm::{
    accepted, centring, leg_fixed, merit, step_to_boundary, DIAGONAL_SHIFT, MAX_ITERATIONS,
    STALL_ITERATIONS, U_STEP_KEEP,
};
use crate::market::{Market, Side};
use crate::relax::{quantity_scale, Face};

/// Smallest share of the seller × buyer pairs that must be on the face for the dense layout:
/// below it the general method's sparse storage does less work.
const MIN_DENSITY: f64 = 0.5;

/// Newton directions are refined (`refine_direction`) once the mean complementarity is below
/// this (in the scaled units of the merit): earlier the rows are far from their target anyway.
const REFINE_BELOW_GAP: f64 = 1e-6;

/// Largest number of rows (parties) laid out densely: the dense factor grows with the cube.
const MAX_ROWS: usize = 600;

/// A face that the dense layout can take: its seller and buyer legs, and the edge of each pair.
#[derive(Debug, Clone)]
pub struct Grid {
    pub(crate) supply: Vec<usize>,
    pub(crate) demand: Vec<usize>,
    /// Edge per pair `i · n_b + j`, `usize::MAX` where the pair is not on the face.
    pub(crate) edge: Vec<usize>,
}

impl Grid {
    /// The grid of a face, or `None` when the face is not of this shape: a party with two legs
    /// on it (a swap), a ratio row on its legs, a leg whose total may range over `[lo, hi]`
    /// with `lo > 0` (two rows), too few pairs, or too many parties.
    #[must_use]
    pub fn of(market: &Market, face: &Face) -> Option<Self> {
        let n_legs = market.legs.len();
        let mut has_arc = vec![false; n_legs];
        let mut arcs = 0_usize;
        for (edge, _) in market
            .edges
            .iter()
            .zip(&face.edge_allowed)
            .filter(|(_, &ok)| ok)
        {
            has_arc[edge.supply] = true;
            has_arc[edge.demand] = true;
            arcs += 1;
        }
        if arcs == 0
            || market
                .ratios
                .iter()
                .any(|r| has_arc[r.give] || has_arc[r.get])
        {
            return None;
        }
        let scale = quantity_scale(market);
        let mut position = vec![usize::MAX; n_legs];
        let mut seen = vec![false; market.parties.len()];
        let (mut supply, mut demand) = (Vec::new(), Vec::new());
        for (l, leg) in market.legs.iter().enumerate() {
            if !has_arc[l] {
                continue;
            }
            if std::mem::replace(&mut seen[leg.party], true) {
                return None;
            }
            let (lo, hi) = (face.leg_lo[l] / scale, face.leg_hi[l] / scale);
            if !leg_fixed(lo, hi) && lo > 0.0 {
                return None;
            }
            let side = match leg.side {
                Side::Supply => &mut supply,
                Side::Demand => &mut demand,
            };
            position[l] = side.len();
            side.push(l);
        }
        let (ns, nb) = (supply.len(), demand.len());
        if ns + nb > MAX_ROWS || (arcs as f64) < MIN_DENSITY * (ns * nb) as f64 {
            return None;
        }
        let mut edge = vec![usize::MAX; ns * nb];
        for (e, ed) in market.edges.iter().enumerate() {
            if face.edge_allowed[e] {
                let k = position[ed.supply] * nb + position[ed.demand];
                if edge[k] != usize::MAX {
                    return None;
                }
                edge[k] = e;
            }
        }
        Some(Self {
            supply,
            demand,
            edge,
        })
    }
}

/// Primal and dual variables of the pairs' two owner arcs (`α`: surplus to the seller, `β`: to
/// the buyer) and of the rows' slacks, in one shape so the loops treat them alike.
#[derive(Clone)]
struct Vars {
    a: Vec<f64>,
    b: Vec<f64>,
    s: Vec<f64>,
}

impl Vars {
    fn zeros(pairs: usize, m: usize) -> Self {
        Self {
            a: vec![0.0; pairs],
            b: vec![0.0; pairs],
            s: vec![0.0; m],
        }
    }

    #[inline(always)]
    fn step_to_boundary(&self, d: &Self) -> f64 {
        step_to_boundary(&self.a, &d.a)
            .min(step_to_boundary(&self.b, &d.b))
            .min(step_to_boundary(&self.s, &d.s))
    }

    /// The largest magnitude (NaN entries are skipped, as `f64::max` does).
    #[inline(always)]
    fn max_abs(&self) -> f64 {
        max_abs(&self.a).max(max_abs(&self.b)).max(max_abs(&self.s))
    }

    #[inline(always)]
    fn dot(&self, o: &Self) -> f64 {
        dot(&self.a, &o.a) + dot(&self.b, &o.b) + dot(&self.s, &o.s)
    }

    #[inline(always)]
    fn copy_from(&mut self, o: &Self) {
        self.a.copy_from_slice(&o.a);
        self.b.copy_from_slice(&o.b);
        self.s.copy_from_slice(&o.s);
    }

    /// `(self + t · d) · (o + u · e)` without forming either vector.
    #[inline(always)]
    fn dot_after(&self, d: &Self, t: f64, o: &Self, e: &Self, u: f64) -> f64 {
        let part = |x: &[f64], dx: &[f64], y: &[f64], dy: &[f64]| -> f64 {
            x.iter()
                .zip(dx)
                .zip(y.iter().zip(dy))
                .map(|((x, dx), (y, dy))| (x + t * dx) * (y + u * dy))
                .sum::<f64>()
        };
        part(&self.a, &d.a, &o.a, &e.a)
            + part(&self.b, &d.b, &o.b, &e.b)
            + part(&self.s, &d.s, &o.s, &e.s)
    }

    /// `self += t · d`
    #[inline(always)]
    fn add_scaled(&mut self, t: f64, d: &Self) {
        for (x, y) in [
            (&mut self.a, &d.a),
            (&mut self.b, &d.b),
            (&mut self.s, &d.s),
        ] {
            x.iter_mut().zip(y).for_each(|(x, y)| *x += t * y);
        }
    }
}

/// The largest magnitude of `x`, NaN entries skipped. Eight running maxima, one per lane, so
/// the loop is a vector compare and blend rather than a branch per entry; a maximum does not
/// depend on the order it is taken in, so the answer is the serial one's bits.
#[inline(always)]
fn max_abs(x: &[f64]) -> f64 {
    const LANES: usize = 8;
    let mut m = [0.0_f64; LANES];
    let blocks = x.chunks_exact(LANES);
    let rest = blocks.remainder();
    for b in blocks {
        for l in 0..LANES {
            let v = b[l].abs();
            m[l] = if v > m[l] { v } else { m[l] };
        }
    }
    for &v in rest {
        let v = v.abs();
        m[0] = if v > m[0] { v } else { m[0] };
    }
    m.iter().fold(0.0_f64, |a, &b| if b > a { b } else { a })
}

/// Each party's credited sum over its arcs: `out_s[i] = Σ_j ca[i][j] x.a[i][j]` per seller,
/// `out_b[j] = Σ_i cb[i][j] x.b[i][j]` per buyer (utilities of `z`, their change along `dz`).
#[inline(always)]
fn party_sums(ca: &[f64], cb: &[f64], x: &Vars, out_s: &mut [f64], out_b: &mut [f64]) {
    let nb = out_b.len();
    out_b.iter_mut().for_each(|u| *u = 0.0);
    for (i, s) in out_s.iter_mut().enumerate() {
        let r = i * nb..(i + 1) * nb;
        *s = dot(&ca[r.clone()], &x.a[r.clone()]);
        for ((u, c), x) in out_b.iter_mut().zip(&cb[r.clone()]).zip(&x.b[r]) {
            *u += c * x;
        }
    }
}

/// `K[off + r][off + r2] = −⟨a_r, b_r2⟩` for `r2 ≤ r`, over `rows` rows of length `len`
/// (row-major `a`, `b`; `K` row-major with `m` columns): a block of `−A Bᵀ`'s lower triangle.
fn lower_product(
    a: &[f64],
    b: &[f64],
    rows: usize,
    len: usize,
    k: &mut [f64],
    m: usize,
    off: usize,
) {
    #[cfg(target_arch = "x86_64")]
    if crate::wide::has_avx512() {
        #[allow(
            unsafe_code,
            reason = "an AVX-512 function, called after the check above"
        )]
        // SAFETY: the processor supports AVX-512 F and VL (`has_avx512`).
        unsafe {
            lower_product_avx512(a, b, rows, len, k, m, off);
        }
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if crate::wide::has_avx2() {
        #[allow(unsafe_code, reason = "an AVX2 function, called after the check above")]
        // SAFETY: the processor supports AVX2 (`has_avx2`).
        unsafe {
            lower_product_avx2(a, b, rows, len, k, m, off);
        }
        return;
    }
    lower_product_blocks::<2>(a, b, rows, len, k, m, off);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn lower_product_avx2(
    a: &[f64],
    b: &[f64],
    rows: usize,
    len: usize,
    k: &mut [f64],
    m: usize,
    off: usize,
) {
    lower_product_blocks::<4>(a, b, rows, len, k, m, off);
}

/// `lower_product_blocks` compiled for AVX-512 (`wide.rs`): 32 vector registers hold a 4 × 4
/// block's sixteen sums.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,avx512f,avx512vl")]
fn lower_product_avx512(
    a: &[f64],
    b: &[f64],
    rows: usize,
    len: usize,
    k: &mut [f64],
    m: usize,
    off: usize,
) {
    lower_product_blocks::<4>(a, b, rows, len, k, m, off);
}

/// `lower_product` by `B × B` blocks of rows (`B` rows of `a` against `B` of `b`: `2B` loads
/// per `B²` products); rows past the last whole block one at a time.
#[inline(always)]
fn lower_product_blocks<const B: usize>(
    a: &[f64],
    b: &[f64],
    rows: usize,
    len: usize,
    k: &mut [f64],
    m: usize,
    off: usize,
) {
    let row = |r: usize| r * len..(r + 1) * len;
    let mut r = 0;
    while r + B <= rows {
        let ar: [&[f64]; B] = std::array::from_fn(|i| &a[row(r + i)]);
        // `r` is a multiple of `B`: the column blocks end with the diagonal block at `c = r`,
        // of which only the lower triangle is kept.
        let mut c = 0;
        while c <= r {
            let s = dot_block::<B, B>(ar, std::array::from_fn(|j| &b[row(c + j)]));
            for (i, si) in s.iter().enumerate() {
                for (j, &sij) in si.iter().enumerate() {
                    if c + j <= r + i {
                        k[(off + r + i) * m + off + c + j] = -sij;
                    }
                }
            }
            c += B;
        }
        r += B;
    }
    for r in r..rows {
        let a0 = &a[row(r)];
        let mut c = 0;
        while c + B <= r + 1 {
            let s = dot_block::<1, B>([a0], std::array::from_fn(|j| &b[row(c + j)]));
            for (j, &sj) in s[0].iter().enumerate() {
                k[(off + r) * m + off + c + j] = -sj;
            }
            c += B;
        }
        for c in c..=r {
            k[(off + r) * m + off + c] = -dot(a0, &b[row(c)]);
        }
    }
}

/// The per-iteration quantities of one Newton system: `D⁻¹`, `g D⁻¹` (the seller side also
/// transposed, buyer × seller), `1/z`, and `1/s` per party.
struct System {
    ns: usize,
    nb: usize,
    d: Vars,
    gd: Vars,
    gda_t: Vec<f64>,
    inv_z: Vars,
    inv_ss: Vec<f64>,
    inv_sb: Vec<f64>,
    dense: Dense,
    k: Vec<f64>,
}

#[allow(clippy::needless_range_loop)] // `i` addresses a row of several pair arrays at once
impl System {
    /// `out = Q⁻¹ rhs`: Sherman–Morrison per party (each party's rank-one block is its own).
    #[inline(always)]
    fn q_inv(&self, rhs: &Vars, out: &mut Vars, pb: &mut [f64]) {
        let (ns, nb) = (self.ns, self.nb);
        pb.iter_mut().for_each(|x| *x = 0.0);
        for i in 0..ns {
            let r = i * nb..(i + 1) * nb;
            for ((p, g), x) in pb.iter_mut().zip(&self.gd.b[r.clone()]).zip(&rhs.b[r]) {
                *p += g * x;
            }
        }
        pb.iter_mut().zip(&self.inv_sb).for_each(|(p, s)| *p *= s);
        for i in 0..ns {
            let r = i * nb..(i + 1) * nb;
            let pa = dot(&self.gd.a[r.clone()], &rhs.a[r.clone()]) * self.inv_ss[i];
            let out_a = &mut out.a[r.clone()];
            for ((o, x), (d, g)) in out_a
                .iter_mut()
                .zip(&rhs.a[r.clone()])
                .zip(self.d.a[r.clone()].iter().zip(&self.gd.a[r.clone()]))
            {
                *o = x * d - g * pa;
            }
            let out_b = &mut out.b[r.clone()];
            for (((o, x), (d, g)), p) in out_b
                .iter_mut()
                .zip(&rhs.b[r.clone()])
                .zip(self.d.b[r.clone()].iter().zip(&self.gd.b[r]))
                .zip(pb.iter())
            {
                *o = x * d - g * p;
            }
        }
        for ((o, x), d) in out.s.iter_mut().zip(&rhs.s).zip(&self.d.s) {
            *o = x * d;
        }
    }

    /// `A v` per row (seller rows, then buyer rows), into `out`.
    #[inline(always)]
    fn rows(&self, v: &Vars, out: &mut [f64]) {
        let (ns, nb) = (self.ns, self.nb);
        out.iter_mut().zip(&v.s).for_each(|(o, s)| *o = *s);
        let (sellers, buyers) = out.split_at_mut(ns);
        for i in 0..ns {
            let r = i * nb..(i + 1) * nb;
            let (a, b) = (&v.a[r.clone()], &v.b[r]);
            let mut sum = 0.0;
            for ((o, x), y) in buyers.iter_mut().zip(a).zip(b) {
                *o += x + y;
                sum += x + y;
            }
            sellers[i] += sum;
        }
    }

    /// `out = rhs + Aᵀ λ`, or `Aᵀ λ` without `rhs` (every arc of pair `(i, j)` is in rows `i`
    /// and `n_s + j`; a slack in its own row).
    #[inline(always)]
    fn plus_at(&self, rhs: Option<&Vars>, lam: &[f64], out: &mut Vars) {
        let (ns, nb) = (self.ns, self.nb);
        let (ls, lb) = lam.split_at(ns);
        for i in 0..ns {
            let r = i * nb..(i + 1) * nb;
            let outs = out.a[r.clone()].iter_mut().zip(&mut out.b[r.clone()]);
            match rhs {
                Some(x) => {
                    for (((oa, ob), (xa, xb)), l) in
                        outs.zip(x.a[r.clone()].iter().zip(&x.b[r])).zip(lb)
                    {
                        let at = ls[i] + l;
                        *oa = xa + at;
                        *ob = xb + at;
                    }
                }
                None => {
                    for ((oa, ob), l) in outs.zip(lb) {
                        let at = ls[i] + l;
                        *oa = at;
                        *ob = at;
                    }
                }
            }
        }
        for (r, (o, l)) in out.s.iter_mut().zip(lam).enumerate() {
            *o = rhs.map_or(*l, |x| x.s[r] + l);
        }
    }
}

/// Buffers of one direction, reused across iterations.
struct Work {
    rc: Vars,
    rhs: Vars,
    q: Vars,
    dz: Vars,
    dv: Vars,
    dlam: Vec<f64>,
    pb: Vec<f64>,
    /// Row residual of a direction, then its correction (refinement).
    res: Vec<f64>,
    /// The correction of `dz` (refinement).
    fix: Vars,
}

/// Solve the Nash program over a grid face; the flow per edge and the seller's share per edge,
/// or `None` when the method did not converge (the caller falls back to the general method).
#[must_use]
#[allow(clippy::too_many_lines)] // one Newton iteration reads best as one piece
#[allow(clippy::needless_range_loop)] // `i` addresses a row of several pair arrays at once
pub fn solve(
    market: &Market,
    face: &Face,
    grid: &Grid,
    w: &[f64],
    deadline: Deadline,
) -> Option<GridAnswer> {
    #[cfg(target_arch = "x86_64")]
    if crate::wide::has_avx2() {
        #[allow(unsafe_code, reason = "an AVX2 function, called after the check above")]
        // SAFETY: the processor supports AVX2 (`has_avx2`).
        return unsafe { solve_avx2(market, face, grid, w, deadline) };
    }
    solve_body(market, face, grid, w, deadline)
}

/// `solve` as the baseline build runs it, whatever this processor has: the tests compare it
/// with the dispatched build bit for bit.
#[cfg(test)]
pub(crate) fn solve_baseline(
    market: &Market,
    face: &Face,
    grid: &Grid,
    w: &[f64],
    deadline: Deadline,
) -> Option<GridAnswer> {
    solve_body(market, face, grid, w, deadline)
}

/// `solve_body` compiled for AVX2 (`wide.rs`), with the iteration's helpers inlined into it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn solve_avx2(
    market: &Market,
    face: &Face,
    grid: &Grid,
    w: &[f64],
    deadline: Deadline,
) -> Option<GridAnswer> {
    solve_body(market, face, grid, w, deadline)
}

/// `solve`'s method; `#[inline(always)]` (with every helper of the iteration) so that each
/// build of it compiles the loops for its own registers.
#[inline(always)]
fn solve_body(
    market: &Market,
    face: &Face,
    grid: &Grid,
    w: &[f64],
    deadline: Deadline,
) -> Option<GridAnswer> {
    let (ns, nb) = (grid.supply.len(), grid.demand.len());
    let (pairs, m) = (ns * nb, ns + nb);
    let scale = quantity_scale(market);
    let party = |l: usize| market.legs[l].party;
    let root_w = |l: usize| w[party(l)].max(0.0).sqrt();
    let (sw_s, sw_b): (Vec<f64>, Vec<f64>) = (
        grid.supply.iter().map(|&l| root_w(l)).collect(),
        grid.demand.iter().map(|&l| root_w(l)).collect(),
    );
    // Per pair: on the face (1) or not (0), and the surplus credited by each owner arc (0 when
    // its owner does not count or the edge has no surplus).
    let mut mask = vec![0.0; pairs];
    let (mut ca, mut cb) = (vec![0.0; pairs], vec![0.0; pairs]);
    for (k, &e) in grid.edge.iter().enumerate() {
        if e == usize::MAX {
            continue;
        }
        mask[k] = 1.0;
        let surplus = market.edges[e].surplus;
        if surplus > 0.0 {
            ca[k] = if sw_s[k / nb] > 0.0 { surplus } else { 0.0 };
            cb[k] = if sw_b[k % nb] > 0.0 { surplus } else { 0.0 };
        }
    }
    let mut bound = vec![0.0; m];
    let mut slack = vec![0.0; m];
    for (r, &l) in grid.supply.iter().chain(&grid.demand).enumerate() {
        let (lo, hi) = (face.leg_lo[l] / scale, face.leg_hi[l] / scale);
        bound[r] = hi;
        if !leg_fixed(lo, hi) {
            slack[r] = 1.0;
        }
    }
    let n_vars = 2.0 * mask.iter().sum::<f64>() + slack.iter().sum::<f64>();
    let w_max = w.iter().fold(1.0_f64, |a, &b| a.max(b));
    // The general method's start: z = 0.1, v = 1 on every variable (here: every present one).
    let present = Vars {
        a: mask.clone(),
        b: mask.clone(),
        s: slack.clone(),
    };
    let mut z = present.clone();
    z.add_scaled(-0.9, &present);
    let mut v = present.clone();
    let mut lam = vec![0.0; m];

    let mut sys = System {
        ns,
        nb,
        d: Vars::zeros(pairs, m),
        gd: Vars::zeros(pairs, m),
        gda_t: vec![0.0; pairs],
        inv_z: Vars::zeros(pairs, m),
        inv_ss: vec![0.0; ns],
        inv_sb: vec![0.0; nb],
        dense: Dense::new(m),
        k: vec![0.0; m * m],
    };
    let mut work = Work {
        rc: Vars::zeros(pairs, m),
        rhs: Vars::zeros(pairs, m),
        q: Vars::zeros(pairs, m),
        dz: Vars::zeros(pairs, m),
        dv: Vars::zeros(pairs, m),
        dlam: vec![0.0; m],
        pb: vec![0.0; nb],
        res: vec![0.0; m],
        fix: Vars::zeros(pairs, m),
    };
    let mut g = Vars::zeros(pairs, m);
    let mut r_d = Vars::zeros(pairs, m);
    let mut r_p = vec![0.0; m];
    let (mut us, mut ub) = (vec![0.0; ns], vec![0.0; nb]);
    let (mut inv_us, mut inv_ub) = (vec![0.0; ns], vec![0.0; nb]);
    let (mut dus, mut dub) = (vec![0.0; ns], vec![0.0; nb]);
    let mut scaled = vec![0.0; pairs];
    let mut col = vec![0.0; nb];
    // Per party: `A G_α` row sums over `s_i` (sellers), `A G_β` column sums (buyers).
    let (mut ha, mut hb) = (vec![0.0; ns], vec![0.0; nb]);
    // The best iterate by merit (see `frontier_ipm`), copied into one buffer.
    let mut best: Option<(f64, bool)> = None;
    let mut best_z = Vars::zeros(pairs, m);
    let mut best_lam = vec![0.0; m];
    let mut stalled = 0;
    for _ in 0..MAX_ITERATIONS {
        if deadline.passed() {
            break;
        }
        // Utilities of the counted parties, which must stay positive.
        party_sums(&ca, &cb, &z, &mut us, &mut ub);
        let positive = |sw: &[f64], u: &[f64]| sw.iter().zip(u).all(|(&s, &u)| s == 0.0 || u > 0.0);
        if !positive(&sw_s, &us) || !positive(&sw_b, &ub) {
            break;
        }
        for (inv, (&s, &u)) in inv_us.iter_mut().zip(sw_s.iter().zip(&us)) {
            *inv = if s > 0.0 { s / u } else { 0.0 };
        }
        for (inv, (&s, &u)) in inv_ub.iter_mut().zip(sw_b.iter().zip(&ub)) {
            *inv = if s > 0.0 { s / u } else { 0.0 };
        }
        // Residuals: r_p = A z − b, r_d = ∇f − Aᵀλ − v (zero on missing pairs), with
        // g = √w · c / u per arc (`inv_u` holds √w / u; the gradient is −√w · g) written on the
        // way: one pass over the pairs instead of two (the loops wait on memory).
        sys.rows(&z, &mut r_p);
        r_p.iter_mut().zip(&bound).for_each(|(r, b)| *r -= b);
        let (ls, lb) = lam.split_at(ns);
        for i in 0..ns {
            let r = i * nb..(i + 1) * nb;
            let (sa, li, inv_s) = (sw_s[i], ls[i], inv_us[i]);
            let (mask, ca, cb) = (&mask[r.clone()], &ca[r.clone()], &cb[r.clone()]);
            let (va, vb) = (&v.a[r.clone()], &v.b[r.clone()]);
            let (ga, gb) = (&mut g.a[r.clone()], &mut g.b[r.clone()]);
            let (oa, ob) = (&mut r_d.a[r.clone()], &mut r_d.b[r]);
            for j in 0..nb {
                ga[j] = ca[j] * inv_s;
                gb[j] = cb[j] * inv_ub[j];
                let at = li + lb[j];
                oa[j] = mask[j] * (-sa * ga[j] - at) - va[j];
                ob[j] = mask[j] * (-sw_b[j] * gb[j] - at) - vb[j];
            }
        }
        for ((o, (&p, &l)), &vs) in r_d.s.iter_mut().zip(slack.iter().zip(&lam)).zip(&v.s) {
            *o = -p * l - vs;
        }
        let rd_norm = r_d.max_abs();
        let gap = z.dot(&v) / n_vars;
        let rp_norm = r_p.iter().fold(0.0_f64, |a, b| a.max(b.abs()));
        let merit = merit(gap, rp_norm, rd_norm, w_max);
        if best.is_none_or(|(b, _)| merit < b) {
            best = Some((merit, accepted(gap, rp_norm, rd_norm, w_max)));
            best_z.copy_from(&z);
            best_lam.copy_from_slice(&lam);
            stalled = 0;
        } else {
            stalled += 1;
        }
        if merit <= 1.0 || stalled > STALL_ITERATIONS {
            break;
        }

        // D⁻¹ = z / v and 1 / z (0 on missing pairs: `v + (1 − mask)` is 1 there), g D⁻¹, and
        // s = 1 + gᵀ D⁻¹ g per party, in one pass per seller row (`1 − p` first: `z + 1`
        // rounds to 1 once z < 1e-16).
        sys.inv_sb.iter_mut().for_each(|x| *x = 1.0);
        for i in 0..ns {
            let r = i * nb..(i + 1) * nb;
            let (za, zb, va, vb) = (
                &z.a[r.clone()],
                &z.b[r.clone()],
                &v.a[r.clone()],
                &v.b[r.clone()],
            );
            let (mask, ga, gb) = (&mask[r.clone()], &g.a[r.clone()], &g.b[r.clone()]);
            let (da, db) = (&mut sys.d.a[r.clone()], &mut sys.d.b[r.clone()]);
            let (iza, izb) = (&mut sys.inv_z.a[r.clone()], &mut sys.inv_z.b[r.clone()]);
            let (gda, gdb) = (&mut sys.gd.a[r.clone()], &mut sys.gd.b[r.clone()]);
            let inv_sb = &mut sys.inv_sb[..nb];
            for j in 0..nb {
                let q = 1.0 - mask[j];
                da[j] = za[j] / (va[j] + q);
                iza[j] = mask[j] / (za[j] + q);
                db[j] = zb[j] / (vb[j] + q);
                izb[j] = mask[j] / (zb[j] + q);
                gda[j] = ga[j] * da[j];
                gdb[j] = gb[j] * db[j];
                inv_sb[j] += gb[j] * gdb[j];
            }
            sys.inv_ss[i] = 1.0 / (1.0 + dot(ga, gda));
        }
        for ((d, iz), (&z, (&v, &p))) in (sys.d.s.iter_mut().zip(sys.inv_z.s.iter_mut()))
            .zip(z.s.iter().zip(v.s.iter().zip(&slack)))
        {
            *d = z / (v + (1.0 - p));
            *iz = p / (z + (1.0 - p));
        }
        sys.inv_sb.iter_mut().for_each(|x| *x = 1.0 / *x);

        // K, lower triangle, row-major (`dense_chol`'s layout).
        let kk = &mut sys.k;
        // Seller × seller: −Σ_j G_β[i][j] G_β[i'][j] / s_j.
        for i in 0..ns {
            let r = i * nb..(i + 1) * nb;
            for ((o, gd), s) in scaled[r.clone()]
                .iter_mut()
                .zip(&sys.gd.b[r])
                .zip(&sys.inv_sb)
            {
                *o = gd * s;
            }
        }
        lower_product(&scaled[..pairs], &sys.gd.b, ns, nb, kk, m, 0);
        // Buyer × buyer: −Σ_i G_α[i][j] G_α[i][j'] / s_i, on the transposed α side.
        for i in 0..ns {
            for j in 0..nb {
                let gd = sys.gd.a[i * nb + j];
                sys.gda_t[j * ns + i] = gd;
                scaled[j * ns + i] = gd * sys.inv_ss[i];
            }
        }
        lower_product(&scaled[..pairs], &sys.gda_t, nb, ns, kk, m, ns);
        col.iter_mut().for_each(|x| *x = 0.0);
        // Buyer × seller, and the diagonal's D⁻¹ sums and own rank-one terms.
        for (i, h) in ha.iter_mut().enumerate() {
            *h = sys.gd.a[i * nb..(i + 1) * nb].iter().sum::<f64>() * sys.inv_ss[i];
        }
        hb.iter_mut().for_each(|h| *h = 0.0);
        for i in 0..ns {
            let r = i * nb..(i + 1) * nb;
            hb.iter_mut().zip(&sys.gd.b[r]).for_each(|(h, g)| *h += g);
        }
        for i in 0..ns {
            let r = i * nb..(i + 1) * nb;
            let mut diag = 0.0;
            for (j, k) in r.enumerate() {
                let dsum = sys.d.a[k] + sys.d.b[k];
                diag += dsum;
                col[j] += dsum;
                kk[(ns + j) * m + i] =
                    dsum - ha[i] * sys.gd.a[k] - hb[j] * sys.inv_sb[j] * sys.gd.b[k];
            }
            let h = ha[i] / sys.inv_ss[i];
            kk[i * m + i] += diag + sys.d.s[i] - h * h * sys.inv_ss[i];
        }
        for j in 0..nb {
            kk[(ns + j) * m + ns + j] += col[j] + sys.d.s[ns + j] - hb[j] * hb[j] * sys.inv_sb[j];
        }
        let diag_max = (0..m).map(|r| kk[r * m + r]).fold(0.0_f64, f64::max);
        for r in 0..m {
            kk[r * m + r] += DIAGONAL_SHIFT * diag_max.max(1.0);
        }
        if !sys.dense.factor(kk) {
            break;
        }

        // Predictor (affine) then corrector with Mehrotra's centring.
        for (rc, z, v) in [
            (&mut work.rc.a, &z.a, &v.a),
            (&mut work.rc.b, &z.b, &v.b),
            (&mut work.rc.s, &z.s, &v.s),
        ] {
            rc.iter_mut()
                .zip(z.iter().zip(v))
                .for_each(|(o, (z, v))| *o = z * v);
        }
        direction(&sys, &r_d, &r_p, &v, gap < REFINE_BELOW_GAP, &mut work);
        let a_p = z.step_to_boundary(&work.dz);
        let a_d = v.step_to_boundary(&work.dv);
        let gap_aff = z.dot_after(&work.dz, a_p, &v, &work.dv, a_d) / n_vars;
        let sigma = centring(gap_aff, gap, rp_norm);
        let target = sigma * gap;
        for (rc, (z, v), (dz, dv)) in [
            (&mut work.rc.a, (&z.a, &v.a), (&work.dz.a, &work.dv.a)),
            (&mut work.rc.b, (&z.b, &v.b), (&work.dz.b, &work.dv.b)),
            (&mut work.rc.s, (&z.s, &v.s), (&work.dz.s, &work.dv.s)),
        ] {
            for (o, ((z, v), (dz, dv))) in rc.iter_mut().zip(z.iter().zip(v).zip(dz.iter().zip(dv)))
            {
                *o = z * v + dz * dv - target;
            }
        }
        direction(&sys, &r_d, &r_p, &v, gap < REFINE_BELOW_GAP, &mut work);
        // One step length for primal and dual (see `frontier_ipm`), and no counted utility
        // taken below 1 − U_STEP_KEEP of itself.
        let mut alpha = (0.99 * z.step_to_boundary(&work.dz))
            .min(0.99 * v.step_to_boundary(&work.dv))
            .min(1.0);
        party_sums(&ca, &cb, &work.dz, &mut dus, &mut dub);
        for ((&s, &u), &du) in sw_s
            .iter()
            .zip(&us)
            .zip(&dus)
            .chain(sw_b.iter().zip(&ub).zip(&dub))
        {
            if s > 0.0 && du < 0.0 {
                alpha = alpha.min(U_STEP_KEEP * u / -du);
            }
        }
        z.add_scaled(alpha, &work.dz);
        v.add_scaled(alpha, &work.dv);
        lam.iter_mut()
            .zip(&work.dlam)
            .for_each(|(l, d)| *l += alpha * d);
    }
    let z = match best {
        Some((_, true)) => best_z,
        _ => return None,
    };
    let mut x = vec![0.0; market.edges.len()];
    let mut share = vec![0.0; market.edges.len()];
    for (k, &e) in grid.edge.iter().enumerate() {
        if e != usize::MAX {
            let (a, b) = (z.a[k].max(0.0) * scale, z.b[k].max(0.0) * scale);
            x[e] = a + b;
            share[e] = market.edges[e].surplus * a;
        }
    }
    // The rows' duals in the oracle's units: with `f = −Σ w log u` over scaled quantities,
    // `v = −π S · scale − (λ_s + λ_b) ≥ 0` on every owner arc, so `y = −λ / scale` prices
    // every face edge's oracle profit `max(π_s, π_b) S` at most `y_s + y_b`.
    let mut leg_dual = vec![0.0; market.legs.len()];
    for (r, &l) in grid.supply.iter().chain(&grid.demand).enumerate() {
        leg_dual[l] = -best_lam[r] / scale;
    }
    Some(GridAnswer { x, share, leg_dual })
}

/// What `solve` finds on a grid face: the flow per edge, the seller's share of the surplus per
/// edge, and the rows' duals per leg (0 off the grid), which bound the first-order test's
/// oracle from above (`nash::dual_gap`).
pub struct GridAnswer {
    pub x: Vec<f64>,
    pub share: Vec<f64>,
    pub leg_dual: Vec<f64>,
}

/// The direction `(dz, dλ, dv)` for the complementarity residual in `work.rc`.
#[inline(always)]
fn direction(sys: &System, r_d: &Vars, r_p: &[f64], v: &Vars, refine: bool, work: &mut Work) {
    // rhs = −r_d − Z⁻¹ r_c
    for (o, (rd, (rc, iz))) in [
        (&mut work.rhs.a, (&r_d.a, (&work.rc.a, &sys.inv_z.a))),
        (&mut work.rhs.b, (&r_d.b, (&work.rc.b, &sys.inv_z.b))),
        (&mut work.rhs.s, (&r_d.s, (&work.rc.s, &sys.inv_z.s))),
    ] {
        for (o, (rd, (rc, iz))) in o.iter_mut().zip(rd.iter().zip(rc.iter().zip(iz))) {
            *o = -rd - rc * iz;
        }
    }
    sys.q_inv(&work.rhs, &mut work.q, &mut work.pb);
    // dλ = K⁻¹ (−r_p − A q)
    sys.rows(&work.q, &mut work.dlam);
    work.dlam
        .iter_mut()
        .zip(r_p)
        .for_each(|(d, r)| *d = -r - *d);
    sys.dense.solve(&sys.k, &mut work.dlam);
    // dz = Q⁻¹ (rhs + Aᵀ dλ), dv = Z⁻¹ (−r_c − V dz)
    sys.plus_at(Some(&work.rhs), &work.dlam, &mut work.q);
    sys.q_inv(&work.q, &mut work.dz, &mut work.pb);
    if refine {
        refine_direction(sys, r_p, work);
    }
    for (dv, ((rc, v), (dz, iz))) in [
        (
            &mut work.dv.a,
            ((&work.rc.a, &v.a), (&work.dz.a, &sys.inv_z.a)),
        ),
        (
            &mut work.dv.b,
            ((&work.rc.b, &v.b), (&work.dz.b, &sys.inv_z.b)),
        ),
        (
            &mut work.dv.s,
            ((&work.rc.s, &v.s), (&work.dz.s, &sys.inv_z.s)),
        ),
    ] {
        for (o, ((rc, v), (dz, iz))) in dv.iter_mut().zip(rc.iter().zip(v).zip(dz.iter().zip(iz))) {
            *o = (-rc - v * dz) * iz;
        }
    }
}

/// One step of iterative refinement of `(dz, dλ)`: `K` is formed by cancelling large terms
/// (`D⁻¹` grows like 1/gap), so near the optimum `A dz` can miss `−r_p` by more than the rows'
/// target and the iterates drift off the rows (measured: 4e-10 → 3.5e-6 over a dozen
/// iterations on an 80×44 face of a generated market, which then took the slow fallbacks);
/// the miss, solved once more with the same factor, puts most of it back.
#[inline(always)]
fn refine_direction(sys: &System, r_p: &[f64], work: &mut Work) {
    sys.rows(&work.dz, &mut work.res);
    work.res.iter_mut().zip(r_p).for_each(|(e, r)| *e = -r - *e);
    sys.dense.solve(&sys.k, &mut work.res);
    work.dlam
        .iter_mut()
        .zip(&work.res)
        .for_each(|(d, e)| *d += e);
    sys.plus_at(None, &work.res, &mut work.q);
    sys.q_inv(&work.q, &mut work.fix, &mut work.pb);
    work.dz.add_scaled(1.0, &work.fix);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lane-wise maximum is the serial one on every length, with NaN skipped and signs
    /// ignored.
    #[test]
    fn the_largest_magnitude_is_the_serial_ones() {
        let mut unit = crate::test_rng::unit(5);
        let mut next = || unit() * 2.0 - 1.0;
        for n in 0..70 {
            let mut x: Vec<f64> = (0..n).map(|_| next() * 1e3).collect();
            if n % 3 == 0 && n > 0 {
                x[n / 2] = f64::NAN;
            }
            if n % 4 == 1 {
                x[n - 1] = -2e3;
            }
            let want = x
                .iter()
                .fold(0.0_f64, |m, &v| if v.abs() > m { v.abs() } else { m });
            assert_eq!(max_abs(&x).to_bits(), want.to_bits(), "length {n}");
        }
    }

    #[test]
    fn every_block_size_writes_the_lower_triangle_with_dots_bits() {
        // The baseline, AVX2 and AVX-512 builds take two- and four-row blocks; whichever this
        // processor runs, every entry of the lower triangle must be `−dot` bit for bit (so the
        // Newton matrices, and the responses, are the same on every machine), and nothing
        // above the diagonal or outside the block may be written.
        let mut unit = crate::test_rng::unit(3);
        let mut next = || unit() * 2.0 - 1.0;
        for (rows, len) in [(1, 5), (3, 7), (4, 8), (5, 9), (9, 31), (16, 40), (23, 13)] {
            let a: Vec<f64> = (0..rows * len).map(|_| next()).collect();
            let b: Vec<f64> = (0..rows * len).map(|_| next()).collect();
            let (m, off) = (rows + 3, 2);
            let mut want = vec![f64::NAN; m * m];
            for r in 0..rows {
                for c in 0..=r {
                    want[(off + r) * m + off + c] =
                        -dot(&a[r * len..(r + 1) * len], &b[c * len..(c + 1) * len]);
                }
            }
            let mut got = [
                vec![f64::NAN; m * m],
                vec![f64::NAN; m * m],
                vec![f64::NAN; m * m],
            ];
            lower_product_blocks::<2>(&a, &b, rows, len, &mut got[0], m, off);
            lower_product_blocks::<4>(&a, &b, rows, len, &mut got[1], m, off);
            lower_product(&a, &b, rows, len, &mut got[2], m, off);
            for (name, k) in ["two-row blocks", "four-row blocks", "dispatched"]
                .iter()
                .zip(&got)
            {
                let same = k.iter().zip(&want).all(|(x, y)| x.to_bits() == y.to_bits());
                assert!(same, "{rows}×{len}: {name} differ from −dot");
            }
        }
    }
}
