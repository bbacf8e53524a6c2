# The study report's statistics in R (stats + lme4 + survival), on the analysis data set that
# `npm run bench` exports from the registry. Prints JSON: the numbers and R's own timing.
# Usage: Rscript bench/report.R OUTCOMES.csv CESSATION.csv
suppressPackageStartupMessages({
  library(lme4)
  library(survival)
  library(jsonlite)
})
args <- commandArgs(trailingOnly = TRUE)
t0 <- proc.time()[["elapsed"]]
d <- read.csv(args[1], stringsAsFactors = FALSE)
cess <- read.csv(args[2], stringsAsFactors = FALSE)
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
outcome <- function(name, base_visit) {
  x <- d[!is.na(d[[name]]), c("study_id", "site", "visit", name)]
  names(x)[4] <- "y"
  vis <- levels(droplevels(x$visit))
  by_visit <- lapply(vis, function(v) c(list(visit = v), summarise(x$y[x$visit == v])))
  base <- x[x$visit == base_visit, c("study_id", "y")]
  change <- list()
  for (v in setdiff(vis, base_visit)) {
    f <- x[x$visit == v, c("study_id", "y")]
    m <- merge(base, f, by = "study_id", suffixes = c(".b", ".f"))
    dd <- m$y.f - m$y.b
    if (length(dd) < 2) next
    tt <- t.test(dd)
    w <- suppressWarnings(wilcox.test(dd))
    change[[length(change) + 1]] <- list(visit = v, n_pairs = length(dd), mean_change = mean(dd),
      ci_low = tt$conf.int[1], ci_high = tt$conf.int[2], t = unname(tt$statistic), p_t = tt$p.value,
      wilcoxon_v = unname(w$statistic), p_wilcoxon = w$p.value)
  }
  x$visit <- droplevels(x$visit)
  fit <- lmer(y ~ visit + site + (1 | study_id), data = x, REML = TRUE,
              control = lmerControl(calc.derivs = FALSE))
  co <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  list(by_visit = by_visit, change = change,
       lmm = list(fixed = lapply(seq_len(nrow(co)), function(i) list(term = rownames(co)[i],
                    estimate = co[i, 1], se = co[i, 2], t = co[i, 3], p = 2 * pnorm(-abs(co[i, 3])))),
                  sd_subject = vc$sdcor[vc$grp == "study_id"], sd_residual = sigma(fit),
                  reml_criterion = unname(REMLcrit(fit))))
}
res <- list(pain = outcome("pain", visits[1]), odi = outcome("odi", visits[1]), mme = outcome("mme", visits[1]))
km <- survfit(Surv(time, event) ~ 1, data = cess)
s <- summary(km, censored = TRUE)
lr <- survdiff(Surv(time, event) ~ site, data = cess)
res$km <- list(time = s$time, surv = s$surv, lower = s$lower, upper = s$upper, n_risk = s$n.risk,
               median = unname(summary(km)$table["median"]))
res$logrank <- list(chisq = lr$chisq, df = length(lr$n) - 1, p = pchisq(lr$chisq, length(lr$n) - 1, lower.tail = FALSE))
t_analysis <- proc.time()[["elapsed"]] - t1
res$timing <- list(read_seconds = t_read, analysis_seconds = t_analysis, r_version = R.version.string,
                   lme4 = as.character(packageVersion("lme4")), survival = as.character(packageVersion("survival")))
cat(toJSON(res, auto_unbox = TRUE, digits = NA, na = "null"))
