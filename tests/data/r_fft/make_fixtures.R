# R's own stats::fft on the pitch track's tie frames, for tests/test_r_fft.py (R is not needed to run the tests).
#
#   Rscript tests/data/r_fft/make_fixtures.R      (from the repository root, after pick_frames.py)
#
# frames.f64 holds k gated frames of 2048 samples (little-endian doubles, row after row), written by
# pick_frames.py. For each frame this writes seewave fund()'s steps exactly as R computes them:
#   forward.f64   Re then Im of fft(frame)                       (2 x 2048 doubles per frame)
#   log_mod.f64   log(Mod(fft(frame)))                           (2048 doubles per frame)
#   inverse.f64   Re then Im of fft(log(Mod(fft(frame))), inverse = TRUE)   (2 x 2048 per frame)
# Binary files, not text: R's text parser and printer do not round-trip every double.
folder <- "tests/data/r_fft"
n <- 2048
raw <- readBin(file.path(folder, "frames.f64"), "double", n = 1e7, size = 8, endian = "little")
frames <- matrix(raw, nrow = n)  # column j = frame j
forward <- log_mod <- inverse <- numeric(0)
for (j in seq_len(ncol(frames))) {
  z <- stats::fft(frames[, j])
  l <- log(Mod(z))
  back <- stats::fft(l, inverse = TRUE)
  forward <- c(forward, Re(z), Im(z))
  log_mod <- c(log_mod, l)
  inverse <- c(inverse, Re(back), Im(back))
}
writeBin(forward, file.path(folder, "forward.f64"), size = 8, endian = "little")
writeBin(log_mod, file.path(folder, "log_mod.f64"), size = 8, endian = "little")
writeBin(inverse, file.path(folder, "inverse.f64"), size = 8, endian = "little")
cat(R.version.string, "\n", file = file.path(folder, "R_VERSION"))
