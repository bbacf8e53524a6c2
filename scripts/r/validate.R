#!/usr/bin/env Rscript
# Reference values for src/analysis: simulates synthetic registry cohorts with fixed seeds, runs the
# R implementation of every statistic the registry computes, and writes the inputs together with
# R's results to test/fixtures/r/validation.json. src/analysis/r-validation.test.ts compares against
# it to 1e-6 relative. Re-run from the repository root: Rscript scripts/r/validate.R
# Needs R >= 4.2 with survival, lme4 and jsonlite (Debian: r-base-core r-cran-lme4 r-cran-survival
# r-cran-jsonlite). All data are synthetic.

options(warn = 2)
suppressPackageStartupMessages({
  library(survival)
  library(lme4)
  library(lmerTest)
  library(jsonlite)
})

out_file <- file.path("test", "fixtures", "r", "validation.json")
if (!dir.exists(dirname(out_file))) stop("run from the repository root: Rscript scripts/r/validate.R")

VISITS <- c("baseline", "post30min", "week2", "week4", "week12", "week24", "week52")
NOMINAL_DAYS <- c(0, 0, 14, 28, 84, 168, 364)
WINDOW_DAYS <- c(0, 0, 3, 7, 14, 28, 42)
PAIN_MEAN <- c(8.3, 4.2, 3.6, 3.0, 2.2, 1.6, 1.1)
# WFU is a site of the protocol that enrolled nobody: it must simply be absent from every result.
SITES <- c("MGH", "UCSF", "VCU", "WFU")
SITE_EFFECT <- c(MGH = 0.4, UCSF = -0.3, VCU = 0, WFU = 0.2)

clip <- function(x, lo, hi) pmin(hi, pmax(lo, x))

# ---------------------------------------------------------------------------------------------
# Cohorts: long format, one row per subject and attended visit.
# ---------------------------------------------------------------------------------------------
sim_cohort <- function(n, site_prob, dropout) {
  rows <- vector("list", n)
  subj <- data.frame(subject = sprintf("S%04d", seq_len(n)), site = sample(SITES, n, TRUE, site_prob),
                     stringsAsFactors = FALSE)
  for (i in seq_len(n)) {
    last <- if (dropout) sample(1:7, 1, prob = c(.03, .02, .05, .05, .1, .15, .6)) else 7
    present <- seq_len(last)
    # Intermittent missed visits after week2 (missing at random).
    if (dropout && last > 4) present <- present[!(present %in% 3:last & runif(length(present)) < 0.12)]
    b0 <- rnorm(1, 0, 1.2)
    b1 <- rnorm(1, 0, 1.5)
    days <- NOMINAL_DAYS[present] + round(runif(length(present), -1, 1) * WINDOW_DAYS[present])
    t <- days / 365.25
    pain <- round(clip(PAIN_MEAN[present] + SITE_EFFECT[[subj$site[i]]] + b0 + b1 * t +
                         rnorm(length(present), 0, 1.1), 0, 10))
    odi <- round(clip(62 - 4.5 * (PAIN_MEAN[1] - PAIN_MEAN[present]) + 5 * b0 +
                        rnorm(length(present), 0, 7), 0, 100), 2)
    opioid <- as.integer(runif(length(present)) < clip(0.75 - 0.1 * (present - 1) + 0.1 * b0, 0.02, 0.98))
    rows[[i]] <- data.frame(subject = subj$subject[i], site = subj$site[i], visit = VISITS[present],
                            day = days, t = t, t_nominal = NOMINAL_DAYS[present] / 365.25,
                            pain = pain, odi = odi, opioid = opioid, stringsAsFactors = FALSE)
  }
  long <- do.call(rbind, rows)
  # Opioid cessation (days, weekly-rounded so that events tie with each other and with censoring at
  # the visit days), censored at the last attended visit day.
  last_day <- tapply(long$day, long$subject, max)[subj$subject]
  cess <- 7 * ceiling(rexp(n, 1 / (60 * c(MGH = 1, UCSF = 1.6, VCU = 0.8, WFU = 1)[subj$site])) / 7)
  subj$cess_time <- as.numeric(pmin(cess, pmax(last_day, 1)))
  subj$cess_event <- as.integer(cess <= pmax(last_day, 1))
  # Adverse events: any AE, cement leakage, and pulmonary cement embolism that never occurs.
  subj$ae_any <- as.integer(runif(n) < 0.15)
  subj$ae_leak <- as.integer(runif(n) < 0.08)
  subj$ae_embolism <- 0L
  list(long = long, subjects = subj)
}

set.seed(20240611)
cohorts <- list(
  small = sim_cohort(12, c(.4, .3, .3, 0), dropout = FALSE),
  medium = sim_cohort(80, c(.35, .3, .35, 0), dropout = TRUE),
  large = sim_cohort(2000, c(.3, .3, .4, 0), dropout = TRUE)
)

# Round-trip every input through JSON first, so that R analyses exactly the doubles the test reads.
roundtrip <- function(x) fromJSON(toJSON(x, digits = NA, na = "null"))
cohorts <- lapply(cohorts, function(co) list(long = roundtrip(co$long), subjects = roundtrip(co$subjects)))

# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------
num <- function(x) if (length(x) == 0 || is.na(x)) NA_real_ else unname(as.numeric(x))
inf_str <- function(x) if (is.infinite(x)) (if (x > 0) "Inf" else "-Inf") else x
cases <- list()
add <- function(kind, case) cases[[kind]] <<- c(cases[[kind]], list(case))

pain_at <- function(long, v) long[long$visit == v, c("subject", "pain", "odi", "opioid")]
paired <- function(long, v, col) {
  a <- pain_at(long, "baseline"); b <- pain_at(long, v)
  m <- merge(a, b, by = "subject", suffixes = c("_base", "_visit"))
  list(x = m[[paste0(col, "_visit")]], y = m[[paste0(col, "_base")]], subject = m$subject)
}

describe_r <- function(x) {
  n <- length(x)
  ci <- if (n > 1) t.test(x)$conf.int else c(NA, NA)
  q <- if (n > 0) quantile(x, c(.25, .5, .75), type = 7, names = FALSE) else c(NA, NA, NA)
  list(n = n, mean = num(if (n) mean(x)), sd = num(if (n > 1) sd(x)), ci_low = num(ci[1]), ci_high = num(ci[2]),
       median = num(q[2]), q1 = num(q[1]), q3 = num(q[3]), min = num(if (n) min(x)), max = num(if (n) max(x)))
}

ttest_r <- function(x, y = NULL) {
  tt <- if (is.null(y)) t.test(x) else t.test(x, y, paired = TRUE)
  d <- if (is.null(y)) x else x - y
  list(n = length(d), mean = num(mean(d)), sd = num(sd(d)), t = num(tt$statistic), df = num(tt$parameter),
       p = num(tt$p.value), ci_low = num(tt$conf.int[1]), ci_high = num(tt$conf.int[2]))
}

wilcox_r <- function(d, correct = TRUE) {
  w <- suppressWarnings(wilcox.test(d, correct = correct))
  list(n = sum(d != 0), v = num(w$statistic), p = num(w$p.value), exact = grepl("exact", w$method))
}

# ---------------------------------------------------------------------------------------------
# Descriptives, paired tests and Holm, per cohort and visit
# ---------------------------------------------------------------------------------------------
for (cname in names(cohorts)) {
  long <- cohorts[[cname]]$long
  for (v in VISITS) {
    x <- long$pain[long$visit == v]
    add("describe", list(case = sprintf("%s pain at %s", cname, v), x = x, expected = describe_r(x)))
  }
  odi <- long$odi[long$visit == "week12"]
  add("describe", list(case = sprintf("%s ODI at week12", cname), x = odi, expected = describe_r(odi)))
  probs <- c(0, 0.1, 0.25, 0.5, 0.9, 1)
  add("quantile", list(case = sprintf("%s ODI at baseline", cname), x = long$odi[long$visit == "baseline"],
                       p = probs, expected = unname(quantile(long$odi[long$visit == "baseline"], probs, type = 7))))
  p_t <- c(); p_w <- c()
  for (v in VISITS[-1]) {
    pr <- paired(long, v, "pain")
    tt <- ttest_r(pr$x, pr$y)
    add("paired_t", list(case = sprintf("%s pain change at %s", cname, v), x = pr$x, y = pr$y, expected = tt))
    w <- wilcox_r(pr$x - pr$y)
    add("wilcoxon", list(case = sprintf("%s pain change at %s (integer scores, ties)", cname, v),
                         x = pr$x, y = pr$y, correct = TRUE, expected = w))
    p_t <- c(p_t, tt$p); p_w <- c(p_w, w$p)
    po <- paired(long, v, "odi")
    add("wilcoxon", list(case = sprintf("%s ODI change at %s", cname, v), x = po$x, y = po$y, correct = TRUE,
                         expected = wilcox_r(po$x - po$y)))
  }
  add("holm", list(case = sprintf("%s paired t p-values across visits", cname), p = p_t,
                   expected = p.adjust(p_t, "holm")))
  add("holm", list(case = sprintf("%s Wilcoxon p-values across visits", cname), p = p_w,
                   expected = p.adjust(p_w, "holm")))
}

# Exact-path and edge cases of the signed-rank test and the t-test.
d15 <- round(rnorm(15, 0.4, 1), 3)
d49 <- round(rnorm(49, 0.2, 1), 4)
d50 <- round(rnorm(50, 0.2, 1), 4)
dz <- c(0, round(rnorm(11, 0.5, 1), 3))
for (cs in list(list("15 continuous differences, no ties (exact)", d15, TRUE),
                list("49 differences, no ties (exact, largest n)", d49, TRUE),
                list("50 differences, no ties (normal approximation)", d50, TRUE),
                list("50 differences without continuity correction", d50, FALSE),
                list("one zero difference forces the normal approximation", dz, TRUE),
                list("all differences positive (exact)", abs(d15) + 0.001, TRUE),
                list("integer differences with ties, no correction", c(-2, -1, -1, 0, 1, 2, 2, 3, 3, 3, 4), FALSE))) {
  add("wilcoxon", list(case = cs[[1]], d = cs[[2]], correct = cs[[3]], expected = wilcox_r(cs[[2]], cs[[3]])))
}
add("one_sample_t", list(case = "15 continuous differences", d = d15, expected = ttest_r(d15)))
add("one_sample_t", list(case = "two values", d = c(1.5, 4), expected = ttest_r(c(1.5, 4))))
add("describe", list(case = "single value (sd and CI undefined)", x = c(7), expected = describe_r(c(7))))
add("describe", list(case = "two values", x = c(3, 8), expected = describe_r(c(3, 8))))
add("holm", list(case = "with NA and ties", p = c(0.01, NA, 0.04, 0.03, 0.04, 0.2, 1e-8),
                 expected = p.adjust(c(0.01, NA, 0.04, 0.03, 0.04, 0.2, 1e-8), "holm")))

# ---------------------------------------------------------------------------------------------
# Proportions: Clopper-Pearson, McNemar, Fisher, chi-square
# ---------------------------------------------------------------------------------------------
cp <- function(x, n, level = 0.95) {
  ci <- binom.test(x, n, conf.level = level)$conf.int
  list(ci_low = num(ci[1]), ci_high = num(ci[2]))
}
for (xn in list(c(0, 20), c(20, 20), c(7, 20), c(1, 1), c(0, 1), c(3, 52), c(1, 861), c(150, 2000), c(26, 37))) {
  add("clopper_pearson", list(case = sprintf("%d of %d", xn[1], xn[2]), x = xn[1], n = xn[2], level = 0.95,
                              expected = cp(xn[1], xn[2])))
}
add("clopper_pearson", list(case = "7 of 20 at 90%", x = 7, n = 20, level = 0.9, expected = cp(7, 20, 0.9)))
for (cname in names(cohorts)) {
  s <- cohorts[[cname]]$subjects
  for (ae in c("ae_any", "ae_leak", "ae_embolism")) {
    add("clopper_pearson", list(case = sprintf("%s %s incidence", cname, ae), x = sum(s[[ae]]), n = nrow(s),
                                level = 0.95, expected = cp(sum(s[[ae]]), nrow(s))))
  }
  long <- cohorts[[cname]]$long
  for (v in c("week2", "week12", "week52")) {
    pr <- paired(long, v, "opioid")
    b <- sum(pr$y == 1 & pr$x == 0); cc <- sum(pr$y == 0 & pr$x == 1)
    a <- sum(pr$y == 1 & pr$x == 1); d <- sum(pr$y == 0 & pr$x == 0)
    m <- suppressWarnings(mcnemar.test(matrix(c(a, cc, b, d), 2)))
    add("mcnemar", list(case = sprintf("%s opioid use baseline vs %s", cname, v), b = b, c = cc, correct = TRUE,
                        expected = list(statistic = num(m$statistic), p = num(m$p.value))))
  }
}
for (bc in list(c(5, 12, 1), c(10, 10, 1), c(0, 7, 1), c(30, 45, 0), c(1, 0, 1), c(0, 0, 1))) {
  a <- 20; d <- 15
  m <- suppressWarnings(mcnemar.test(matrix(c(a, bc[2], bc[1], d), 2), correct = bc[3] == 1))
  add("mcnemar", list(case = sprintf("b=%d c=%d correct=%s", bc[1], bc[2], bc[3] == 1), b = bc[1], c = bc[2],
                      correct = bc[3] == 1, expected = list(statistic = num(m$statistic), p = num(m$p.value))))
}

fisher_r <- function(tab) {
  f <- fisher.test(matrix(tab, 2, byrow = TRUE))
  list(p = num(f$p.value), odds_ratio = inf_str(num(f$estimate)), ci_low = inf_str(num(f$conf.int[1])),
       ci_high = inf_str(num(f$conf.int[2])))
}
fisher_tables <- list(
  "3 1 / 1 3" = c(3, 1, 1, 3), "10 2 / 3 15" = c(10, 2, 3, 15), "x at lower end: 0 5 / 10 10" = c(0, 5, 10, 10),
  "x at upper end: 5 0 / 2 8" = c(5, 0, 2, 8), "large counts 120 80 / 95 105" = c(120, 80, 95, 105),
  "zero events in both arms 0 50 / 0 48" = c(0, 50, 0, 48), "symmetric 4 4 / 4 4" = c(4, 4, 4, 4),
  "1 19 / 6 14" = c(1, 19, 6, 14), "12 3 / 2 0" = c(12, 3, 2, 0))
for (nm in names(fisher_tables)) add("fisher", list(case = nm, table = fisher_tables[[nm]], expected = fisher_r(fisher_tables[[nm]])))
for (cname in c("medium", "large")) {
  s <- cohorts[[cname]]$subjects
  for (ae in c("ae_any", "ae_leak", "ae_embolism")) {
    tab <- c(sum(s[[ae]][s$site == "VCU"]), sum(s$site == "VCU" & s[[ae]] == 0),
             sum(s[[ae]][s$site == "MGH"]), sum(s$site == "MGH" & s[[ae]] == 0))
    add("fisher", list(case = sprintf("%s %s VCU vs MGH", cname, ae), table = tab, expected = fisher_r(tab)))
  }
}

chisq_r <- function(tab, correct) {
  r <- suppressWarnings(chisq.test(tab, correct = correct))
  list(statistic = num(r$statistic), df = num(r$parameter), p = num(r$p.value),
       expected = unname(lapply(seq_len(nrow(tab)), function(i) unname(r$expected[i, ]))))
}
chisq_tables <- list(
  list("2x2 with Yates", matrix(c(12, 5, 7, 16), 2, byrow = TRUE), TRUE),
  list("2x2 without correction", matrix(c(12, 5, 7, 16), 2, byrow = TRUE), FALSE),
  list("2x2 where Yates is capped by |O - E| < 0.5", matrix(c(10, 10, 10, 11), 2, byrow = TRUE), TRUE),
  list("3x2", matrix(c(20, 5, 14, 9, 30, 2), 3, byrow = TRUE), TRUE),
  list("2x4", matrix(c(8, 12, 15, 5, 11, 9, 6, 14), 2, byrow = TRUE), TRUE),
  list("2x2 with an empty column (NaN in R)", matrix(c(0, 20, 0, 31), 2, byrow = TRUE), TRUE))
for (ct in chisq_tables) add("chisq", list(case = ct[[1]], table = unname(lapply(1:nrow(ct[[2]]), function(i) ct[[2]][i, ])),
                                           correct = ct[[3]], expected = chisq_r(ct[[2]], ct[[3]])))
for (cname in c("medium", "large")) {
  s <- cohorts[[cname]]$subjects
  present <- sort(unique(s$site))
  tab <- t(sapply(present, function(st) c(sum(s$ae_any[s$site == st]), sum(s$site == st & s$ae_any == 0))))
  add("chisq", list(case = sprintf("%s site by any AE", cname), table = unname(lapply(1:nrow(tab), function(i) unname(tab[i, ]))),
                    correct = TRUE, expected = chisq_r(tab, TRUE)))
}

# ---------------------------------------------------------------------------------------------
# Survival: Kaplan-Meier and log-rank
# ---------------------------------------------------------------------------------------------
km_r <- function(time, event) {
  f <- survfit(Surv(time, event) ~ 1)
  s <- summary(f, censored = TRUE)
  tab <- summary(f)$table
  steps <- data.frame(time = s$time, n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
                      surv = s$surv, se = ifelse(is.finite(s$std.err), s$std.err, NA), lower = s$lower, upper = s$upper)
  list(steps = steps, median = num(tab[["median"]]), median_lower = num(tab[["0.95LCL"]]),
       median_upper = num(tab[["0.95UCL"]]), quantile_median = num(quantile(f, 0.5)$quantile))
}
km_cases <- list(
  list("ties and censoring at event times", c(1, 2, 2, 3, 4, 4, 5, 6, 6, 7), c(1, 1, 0, 1, 0, 1, 1, 0, 1, 1)),
  list("curve flat at exactly 0.5 then drops (median is the midpoint)", c(1, 2, 3, 4, 5, 6), c(1, 1, 1, 0, 1, 1)),
  list("curve ends at exactly 0.5 (print(survfit) takes the first time)", c(1, 2, 3, 4), c(1, 1, 0, 0)),
  list("all censored", c(3, 5, 5, 8, 13), c(0, 0, 0, 0, 0)),
  list("single subject with an event", c(10), c(1)),
  list("last time is an event: survival reaches 0", c(2, 4, 4, 6, 9), c(0, 1, 1, 0, 1)))
for (kc in km_cases) add("kaplan_meier", list(case = kc[[1]], time = kc[[2]], event = kc[[3]], expected = km_r(kc[[2]], kc[[3]])))
for (cname in names(cohorts)) {
  s <- cohorts[[cname]]$subjects
  add("kaplan_meier", list(case = sprintf("%s opioid cessation", cname), time = s$cess_time, event = s$cess_event,
                           expected = km_r(s$cess_time, s$cess_event)))
}

logrank_r <- function(time, event, group) {
  sd <- survdiff(Surv(time, event) ~ group)
  list(groups = sub("^group=", "", names(sd$n)), n = as.numeric(sd$n), observed = as.numeric(sd$obs),
       expected = as.numeric(sd$exp), chisq = num(sd$chisq), df = length(sd$n[sd$exp > 0]) - 1,
       p = num(sd$pvalue))
}
for (cname in c("small", "medium", "large")) {
  s <- cohorts[[cname]]$subjects
  add("log_rank", list(case = sprintf("%s opioid cessation by site", cname), time = s$cess_time, event = s$cess_event,
                       group = s$site, expected = logrank_r(s$cess_time, s$cess_event, s$site)))
}
lr_time <- c(1, 2, 2, 3, 4, 4, 5, 6, 6, 7, 0.5, 0.5, 2, 3, 8, 9)
lr_event <- c(1, 1, 0, 1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0, 1)
lr_group <- c("A", "B", "A", "B", "A", "B", "A", "B", "A", "B", "C", "C", "A", "B", "A", "B")
add("log_rank", list(case = "group censored before the first event takes no part (E = 0)", time = lr_time,
                     event = lr_event, group = lr_group, expected = logrank_r(lr_time, lr_event, lr_group)))
add("log_rank", list(case = "two groups with tied times", time = lr_time[1:10], event = lr_event[1:10],
                     group = lr_group[1:10], expected = logrank_r(lr_time[1:10], lr_event[1:10], lr_group[1:10])))

# ---------------------------------------------------------------------------------------------
# Linear mixed models (REML), converged far below lme4's default tolerance
# ---------------------------------------------------------------------------------------------
# lme4 stops when theta moves less than ~1e-6; to make a 1e-6 comparison meaningful the REML
# criterion is first minimised with bobyqa at rhoend = 1e-12, then polished by projected Newton steps
# on lme4's own deviance function (five-point central-difference gradient), and the merMod is built
# at the polished theta with mkMerMod. The gradient norm at the end is recorded as evidence.
fd_grad_hess <- function(f, theta, f0) {
  k <- length(theta); h <- 1e-3 * pmax(abs(theta), 0.1)
  g <- numeric(k); H <- matrix(0, k, k)
  at <- function(shift) f(theta + shift * h)
  for (i in 1:k) {
    e <- replace(numeric(k), i, 1)
    fp <- at(e); fm <- at(-e); fp2 <- at(2 * e); fm2 <- at(-2 * e)
    g[i] <- (8 * (fp - fm) - (fp2 - fm2)) / (12 * h[i])
    H[i, i] <- (fp - 2 * f0 + fm) / h[i]^2
    if (i > 1) for (j in 1:(i - 1)) {
      ej <- replace(numeric(k), j, 1)
      H[i, j] <- H[j, i] <- (at(e + ej) - at(e - ej) - at(-e + ej) + at(-e - ej)) / (4 * h[i] * h[j])
    }
  }
  list(g = g, H = H)
}
polish <- function(devf, theta, lower) {
  f0 <- devf(theta)
  for (it in 1:50) {
    gh <- fd_grad_hess(devf, theta, f0)
    free <- !(theta <= lower & gh$g > 0)
    if (!any(free)) break
    step <- -solve(gh$H[free, free, drop = FALSE], gh$g[free])
    if (max(abs(step)) < 1e-12) break
    t <- 1; ok <- FALSE
    for (ls in 1:30) {
      trial <- theta; trial[free] <- pmax(lower[free], theta[free] + t * step)
      ft <- devf(trial)
      if (ft <= f0 + 1e-13 * abs(f0)) { theta <- trial; f0 <- ft; ok <- TRUE; break }
      t <- t / 2
    }
    if (!ok || -0.5 * sum(gh$g[free] * step) < 1e-17 * abs(f0)) break
  }
  gh <- fd_grad_hess(devf, theta, f0)
  free <- !(theta <= lower & gh$g > 0)
  list(theta = theta, fval = f0, grad_norm = sqrt(sum(gh$g[free]^2)))
}
fit_lmm_r <- function(formula, data) {
  lf <- suppressMessages(lFormula(formula, data = data, REML = TRUE))
  devf <- do.call(mkLmerDevfun, lf)
  opt <- optimizeLmer(devf, optimizer = "bobyqa", control = list(rhoend = 1e-12, maxfun = 1e6))
  pol <- polish(devf, opt$par, lf$reTrms$lower)
  opt$par <- pol$theta
  opt$fval <- devf(pol$theta)  # leaves lme4's state at the polished optimum for mkMerMod
  fit <- mkMerMod(environment(devf), opt, lf$reTrms, fr = lf$fr)
  # Satterthwaite df and t-based p-values from lmerTest's own code applied to this fit.
  co <- summary(lmerTest:::as_lmerModLT(fit, devf))$coefficients
  default <- suppressMessages(lmer(formula, data = data, REML = TRUE))
  beta <- fixef(fit); se <- sqrt(diag(as.matrix(vcov(fit)))); tval <- beta / se
  vc <- as.data.frame(VarCorr(fit))
  sd_of <- function(var1, var2 = NA) {
    same2 <- if (is.na(var2)) is.na(vc$var2) else (!is.na(vc$var2) & vc$var2 == var2)
    row <- vc[vc$grp == "subject" & vc$var1 == var1 & same2, ]
    if (nrow(row) == 0) NA_real_ else row$sdcor
  }
  slope <- if ("t" %in% vc$var1) sd_of("t") else NA
  list(
    fixed = data.frame(term = names(beta), estimate = unname(beta), se = unname(se), t = unname(tval),
                       df = unname(co[, "df"]), p = unname(co[, "Pr(>|t|)"])),
    sd_subject = num(sd_of("(Intercept)")), sd_slope = num(slope),
    corr = num(if (is.na(slope)) NA else sd_of("(Intercept)", "t")),
    sd_residual = num(sigma(fit)), reml_criterion = num(REMLcrit(fit)), theta = unname(getME(fit, "theta")),
    n_obs = nobs(fit), n_groups = num(ngrps(fit)[["subject"]]),
    gradient_norm = pol$grad_norm,
    default_lmer_max_rel_diff = max(abs(fixef(default) / beta - 1), abs(sqrt(diag(as.matrix(vcov(default)))) / se - 1)))
}
lmm_models <- list(
  a = y ~ visit + (1 | subject),
  b = y ~ visit + site + (1 | subject),
  c = y ~ visit + (1 + t | subject))
lmm_runs <- list(
  list("small", "a"), list("small", "b"), list("small", "c"),
  list("medium", "a"), list("medium", "b"), list("medium", "c"),
  list("large", "a"), list("large", "b"), list("large", "c"), list("large", "c", nominal = TRUE))
for (run in lmm_runs) {
  long <- cohorts[[run[[1]]]]$long
  nominal <- isTRUE(run$nominal)
  data <- data.frame(y = long$pain, subject = long$subject, visit = factor(long$visit, levels = VISITS),
                     # All four protocol sites are levels; WFU has no rows, so lme4 drops its column.
                     site = factor(long$site, levels = SITES), t = if (nominal) long$t_nominal else long$t)
  add("lmm", list(case = sprintf("%s cohort, model %s%s: %s", run[[1]], run[[2]], if (nominal) " (nominal visit times)" else "",
                                 deparse(lmm_models[[run[[2]]]])),
                  cohort = run[[1]], model = run[[2]], slope_time = if (nominal) "t_nominal" else "t",
                  expected = fit_lmm_r(lmm_models[[run[[2]]]], data)))
}

# ---------------------------------------------------------------------------------------------
# Write inputs and results
# ---------------------------------------------------------------------------------------------
pkg <- function(p) as.character(packageVersion(p))
meta <- list(
  generated_by = "scripts/r/validate.R", seed = 20240611, r_version = R.version.string,
  packages = list(stats = pkg("stats"), survival = pkg("survival"), lme4 = pkg("lme4"), Matrix = pkg("Matrix"),
                  minqa = pkg("minqa"), lmerTest = pkg("lmerTest"), jsonlite = pkg("jsonlite")),
  visits = VISITS, sites = SITES,
  note = "Synthetic data only. Numbers carry 15 significant digits; Inf is the string \"Inf\"; NA/NaN are null.")
result <- c(list(meta = meta, cohorts = cohorts), cases)
writeLines(toJSON(result, digits = NA, na = "null", auto_unbox = TRUE, dataframe = "columns", pretty = FALSE), out_file)
cat("wrote", out_file, "\n")
cat(sprintf("%-16s %d\n", names(cases), sapply(cases, length)), sep = "")
lm_cases <- cases$lmm
for (cs in lm_cases) cat(sprintf("%-70s grad %.2e  default-vs-polished %.2e\n", cs$case, cs$expected$gradient_norm,
                                 cs$expected$default_lmer_max_rel_diff))
