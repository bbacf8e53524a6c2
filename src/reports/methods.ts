// Methods paragraphs printed under each table of the report, keyed by section.

export const METHODS: Record<string, string> = {
  flow: 'Participant flow follows STROBE. A visit is expected once its window has closed by the report date, unless the subject left the study before the visit; missed = expected − seen.',
  table1:
    'Baseline characteristics of treated subjects. Continuous variables as mean (SD) and median [IQR] (R quantile type 7); categorical variables as n (%) of those with data. Missing values are counted, never imputed.',
  outcomes:
    'Outcomes among treated subjects by visit: n, mean, SD, 95% CI from the t distribution, median [IQR]. VAS (0–100 mm) converted to the 0–10 scale (×0.1). ODI v2.1a: sum / (5 × sections answered) × 100, not scored with more than two sections missing.',
  change:
    'Change from baseline (follow-up − baseline) in subjects with both values: paired t test and Wilcoxon signed-rank test (exact for n < 50 without ties, otherwise normal approximation with continuity and tie correction, as R wilcox.test); p-values Holm-adjusted across visits.',
  responders:
    'Responders: improvement of at least the minimal clinically important difference (pain ≥ 2 points, ODI ≥ 10 points), ≥ 30% and ≥ 50% reduction from a non-zero baseline; exact Clopper–Pearson 95% CIs.',
  lmm: 'Linear mixed model fitted by REML with visit as a factor (reference: baseline), site as a fixed effect and a random intercept per subject; it uses every observation and is valid under data missing at random. p-values from the normal approximation to t. Matches lme4::lmer.',
  opioids:
    'Any opioid use among treated subjects with a medication review at the visit (a review without opioids counts as none), exact 95% CIs; McNemar test with continuity correction against baseline in subjects seen at both. MME/day by CDC 2022 factors; median [IQR] among opioid users. Buprenorphine counts as opioid use without MME.',
  km: 'Time to opioid cessation among subjects on opioids at baseline: the first follow-up visit without an opioid, at its nominal day; censored at the last visit seen. Kaplan–Meier with Greenwood variance and log-transformed 95% CI (R survfit default); log-rank test across sites (R survdiff).',
  adverse_events:
    'Incidence among treated subjects: subjects with at least one event / treated subjects, exact Clopper–Pearson 95% CI (zero events: the upper bound is about 3/n). Severity by CTCAE-style grade; major/minor by the SIR classification.',
  care_gap:
    'Fracture liaison service KPIs among treated subjects past the KPI’s time point (12 weeks for DXA and referrals, 16 weeks for starting bone medication, 52 weeks for persistence), excluding those who left the study before it. Bands: < 50% red, 50–80% amber, > 80% green. Sites compared by Fisher’s exact test (two sites) or the chi-square test (more).',
  completeness: 'Follow-up completeness: subjects seen / subjects expected at each visit, by site.',
  funnel:
    'Each site’s mean change in pain at week 12 against the pooled mean, with 95% and 99.8% control limits pool ± z·SD/√n (Spiegelhalter 2005); SD of individual changes in the pool.',
};
