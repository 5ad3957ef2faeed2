package decode

// SetGeneralPathOnly makes p skip the fast path, for differential tests.
func SetGeneralPathOnly(p *Parser) { p.noFast = true }
