package track

// DisableSteady makes t take the full path for every advert.
func DisableSteady(t *Tracker) { t.noSteady = true }
