# The study report's statistics in R (stats + lme4 + lmerTest + survival), on the analysis data set
# that the registry exports. Prints JSON shaped like the report's own JSON (same keys), plus R's timing.
# Usage: Rscript bench/report.R OUTCOMES.csv CESSATION.csv [EXPECTED.csv AE.csv AE_EVENTS.csv KPI.csv OPIOIDS.csv]
suppressPackageStartupMessages({
  library(lme4)
  library(lmerTest)
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
optional <- function(i) if (length(args) >= i && file.exists(args[i])) read.csv(args[i], stringsAsFactors = FALSE) else NULL
t0 <- proc.time()[["elapsed"]]
d <- read.csv(args[1], stringsAsFactors = FALSE)
cess <- read.csv(args[2], stringsAsFactors = FALSE)
expected <- optional(3)
ae <- optional(4)
ae_events <- optional(5)
kpi <- optional(6)
opioids <- optional(7)
visits <- unique(d$visit)  # file order is protocol order
d$visit <- factor(d$visit, levels = visits)
d$site <- factor(d$site)
t_read <- proc.time()[["elapsed"]] - t0

t1 <- proc.time()[["elapsed"]]
summarise <- function(x) {
  x <- x[!is.na(x)]
  n <- length(x)
  ci <- if (n >= 2 && sd(x) > 0) t.test(x)$conf.int else c(NA, NA)
  q <- quantile(x, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
  list(n = n, mean = mean(x), sd = if (n >= 2) sd(x) else NA, ci_low = ci[1], ci_high = ci[2],
       median = q[2], q1 = q[1], q3 = q[3])
}
# Exact values num/den: pain in 1/10,000, MME in hundredths, ODI as 20 * sum / answered sections.
exact <- function(name, y) {
  if (name == "pain") return(list(num = round(y * 1e4), den = rep(1e4, length(y))))
  if (name == "mme") return(list(num = round(y * 100), den = rep(100, length(y))))
  num <- rep(NA_real_, length(y)); den <- num
  for (a in 10:1) {
    s <- y * a / 20
    ok <- !is.na(s) & abs(s - round(s)) < 1e-9
    num[ok] <- 20 * round(s[ok]); den[ok] <- a
  }
  bad <- is.na(num); num[bad] <- round(y[bad] * 1e6); den[bad] <- 1e6
  list(num = num, den = den)
}
prop <- function(x, n) {
  if (n == 0) return(list(x = x, n = n, prop = NA, ci_low = NA, ci_high = NA))
  ci <- binom.test(x, n)$conf.int
  list(x = x, n = n, prop = x / n, ci_low = ci[1], ci_high = ci[2])
}
# lme4's REML deviance minimised with bobyqa at rhoend 1e-12, then Newton on finite differences
# (as scripts/r/validate.R): lme4's default stopping rule is too loose for 1e-6.
fd_grad_hess <- function(f, theta, f0) {
  k <- length(theta); h <- pmax(abs(theta), 1e-2) * 1e-4
  g <- numeric(k); H <- matrix(0, k, k)
  at <- function(shift) f(theta + shift * h)
  for (i in 1:k) {
    e <- replace(numeric(k), i, 1)
    fp <- at(e); fm <- at(-e); fp2 <- at(2 * e); fm2 <- at(-2 * e)
    g[i] <- (8 * (fp - fm) - (fp2 - fm2)) / (12 * h[i])
    H[i, i] <- (fp - 2 * f0 + fm) / h[i]^2
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
  theta
}
fit_lmm <- function(x) {
  lf <- lFormula(y ~ visit + site + (1 | study_id), data = x, REML = TRUE)
  devf <- do.call(mkLmerDevfun, lf)
  opt <- optimizeLmer(devf, optimizer = "bobyqa", control = list(rhoend = 1e-12, maxfun = 1e6))
  opt$par <- polish(devf, opt$par, lf$reTrms$lower)
  opt$fval <- devf(opt$par)
  fit <- mkMerMod(environment(devf), opt, lf$reTrms, fr = lf$fr)
  # lmerTest's own Satterthwaite code on this fit.
  m <- lmerTest:::as_lmerModLT(fit, devf)
  co <- summary(m)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  list(fixed = lapply(seq_len(nrow(co)), function(i) list(term = rownames(co)[i],
         estimate = co[i, "Estimate"], se = co[i, "Std. Error"], df = co[i, "df"], t = co[i, "t value"],
         p = co[i, "Pr(>|t|)"])),
       sd_subject = vc$sdcor[vc$grp == "study_id"], sd_residual = sigma(fit),
       reml_criterion = unname(REMLcrit(fit)))
}
outcome <- function(name, base_visit, mcid) {
  x <- d[!is.na(d[[name]]), c("study_id", "site", "visit", name)]
  names(x)[4] <- "y"
  vis <- levels(droplevels(x$visit))
  by_visit <- lapply(vis, function(v) c(list(visit = v), summarise(x$y[x$visit == v])))
  base <- x[x$visit == base_visit, c("study_id", "y")]
  be <- exact(name, base$y)
  base$bn <- be$num; base$bd <- be$den
  change <- list()
  for (v in setdiff(vis, base_visit)) {
    f <- x[x$visit == v, c("study_id", "y")]
    m <- merge(base, f, by = "study_id", suffixes = c(".b", ".f"))
    fe <- exact(name, m$y.f)
    gain <- m$bn * fe$den - fe$num * m$bd
    dens <- m$bd * fe$den
    dd <- -gain / dens
    if (length(dd) < 2) next
    tt <- t.test(dd)
    w <- suppressWarnings(wilcox.test(dd))
    rel <- m$bn > 0
    x_mcid <- if (is.na(mcid)) 0 else sum(gain >= mcid * dens)
    x30 <- sum(rel & 10 * gain >= 3 * m$bn * fe$den)
    x50 <- sum(rel & 2 * gain >= m$bn * fe$den)
    row <- list(visit = v, n_pairs = length(dd), mean_change = mean(dd),
      ci_low = tt$conf.int[1], ci_high = tt$conf.int[2], t = unname(tt$statistic), p_t = tt$p.value,
      wilcoxon_v = unname(w$statistic), p_wilcoxon = w$p.value,
      responders_mcid = if (is.na(mcid)) prop(0, 0) else prop(x_mcid, length(dd)),
      responders_30pct = prop(x30, sum(rel)), responders_50pct = prop(x50, sum(rel)))
    if (!is.null(expected)) {
      ids <- expected$study_id[expected$visit == v]
      itt <- base[base$study_id %in% ids, ]
      row$responders_mcid_itt <- if (is.na(mcid)) prop(0, 0) else prop(x_mcid, nrow(itt))
      row$responders_30pct_itt <- prop(x30, sum(itt$bn > 0))
      row$responders_50pct_itt <- prop(x50, sum(itt$bn > 0))
    }
    change[[length(change) + 1]] <- row
  }
  pt <- p.adjust(sapply(change, `[[`, "p_t"), "holm")
  pw <- p.adjust(sapply(change, `[[`, "p_wilcoxon"), "holm")
  for (i in seq_along(change)) { change[[i]]$p_t_holm <- pt[i]; change[[i]]$p_wilcoxon_holm <- pw[i] }
  x$visit <- droplevels(x$visit)
  list(by_visit = by_visit, change = change, lmm = fit_lmm(x))
}
res <- list(outcomes = list(pain = outcome("pain", visits[1], 2), odi = outcome("odi", visits[1], 10),
                            mme = outcome("mme", visits[1], NA)))
km <- survfit(Surv(time, event) ~ 1, data = cess)
s <- summary(km, censored = TRUE)
lr <- survdiff(Surv(time, event) ~ site, data = cess)
cessation <- list(
  km = lapply(seq_along(s$time), function(i) list(day = s$time[i], surv = s$surv[i], lower = s$lower[i],
                                                 upper = s$upper[i], n_risk = s$n.risk[i])),
  median_days = unname(summary(km)$table["median"]),
  logrank_site = list(chisq = lr$chisq, df = length(lr$n) - 1,
                      p = pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE)))
if (!is.null(cess$left)) {
  right <- ifelse(is.infinite(cess$right) | is.na(cess$right), NA, cess$right)
  tb <- survfit(Surv(cess$left, right, type = "interval2") ~ 1)
  cessation$turnbull <- lapply(seq_along(tb$time), function(i) list(day = tb$time[i], surv = tb$surv[i]))
  cessation$turnbull_median_days <- unname(quantile(tb, 0.5, conf.int = FALSE))
}
res$time_to_event <- list(opioid_cessation = cessation)
if (!is.null(ae) && !is.null(ae_events)) {
  py <- sum(ae$followup_days) / 365.25
  kinds <- unique(c("any", "serious", "major", ae_events$event))
  res$adverse_events <- lapply(kinds, function(k) {
    x <- sum(ae_events$event == k)
    ci <- poisson.test(x, py / 100)$conf.int
    list(event = k, events = x, person_years = py, rate_per_100py = x / (py / 100),
         rate_ci_low = ci[1], rate_ci_high = ci[2])
  })
  res$adverse_events_cumulative <- do.call(c, lapply(c("any", "serious"), function(k) {
    ev <- ae_events[ae_events$event == k, ]
    first <- tapply(ev$day, ev$study_id, min)
    time <- ifelse(ae$study_id %in% names(first), first[ae$study_id], ae$followup_days)
    status <- as.integer(ae$study_id %in% names(first))
    fit <- survfit(Surv(time, status) ~ 1)
    lapply(c(30, 365), function(day) {
      if (day > max(time)) return(list(event = k, day = day, incidence = NA, ci_low = NA, ci_high = NA))
      sm <- summary(fit, times = day)
      list(event = k, day = day, incidence = 1 - sm$surv, ci_low = 1 - sm$upper, ci_high = 1 - sm$lower)
    })
  }))
}
if (!is.null(kpi)) {
  res$care_gap <- list(kpis = lapply(unique(kpi$kpi), function(k) {
    t <- kpi[kpi$kpi == k & kpi$n > 0, ]
    tab <- cbind(t$x, t$n - t$x)
    p <- if (nrow(tab) < 2) NA else if (sum(tab[, 1]) == 0 || sum(tab[, 2]) == 0) 1 else {
      e_ok <- all(outer(rowSums(tab), colSums(tab)) >= 5 * sum(tab))
      if (e_ok) chisq.test(tab, correct = FALSE)$p.value else fisher.test(tab)$p.value
    }
    list(kpi = k, p_sites = p)
  }))
}
if (!is.null(opioids)) {
  base_visit <- opioids$visit[1]
  base <- opioids[opioids$visit == base_visit, c("study_id", "opioid")]
  res$opioids <- list(by_visit = lapply(unique(opioids$visit), function(v) {
    o <- opioids[opioids$visit == v, c("study_id", "opioid")]
    row <- list(visit = v, n = nrow(o), any_opioid = prop(sum(o$opioid), nrow(o)))
    users <- o$study_id[o$opioid == 1]
    m <- d$mme[d$visit == v & d$study_id %in% users]
    m <- m[!is.na(m) & m > 0]
    if (length(m) > 0) {
      q <- quantile(m, c(0.25, 0.5, 0.75), type = 7, names = FALSE)
      row$mme_median <- q[2]; row$mme_q1 <- q[1]; row$mme_q3 <- q[3]
    }
    if (v != base_visit) {
      p <- merge(base, o, by = "study_id", suffixes = c(".b", ".v"))
      b <- sum(p$opioid.b == 1 & p$opioid.v == 0); c <- sum(p$opioid.b == 0 & p$opioid.v == 1)
      mc <- list(n_pairs = nrow(p), b = b, c = c)
      if (b + c > 0) {
        t <- mcnemar.test(matrix(c(0, c, b, 0), 2))
        mc$statistic <- unname(t$statistic); mc$p <- t$p.value
      }
      row$mcnemar <- mc
    }
    row
  }))
}
t_analysis <- proc.time()[["elapsed"]] - t1
res$timing <- list(read_seconds = t_read, analysis_seconds = t_analysis, r_version = R.version.string,
                   lme4 = as.character(packageVersion("lme4")), lmerTest = as.character(packageVersion("lmerTest")),
                   survival = as.character(packageVersion("survival")))
cat(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null"))
