package playlist

// Validate reports the first problem in k's configuration, wrapping
// ErrConfig with the field at fault and what to do: a nil Keys, a Verifier
// without Resource or a Resource without Verifier, or neither Authorize
// nor Verifier and Resource, which would refuse every viewer. Call it when
// building the KeyServer to fail at startup; ServeHTTP runs it once, before
// the first request, and while it fails answers every request 500.
func (k *KeyServer) Validate() error {
	switch {
	case k.Keys == nil:
		return configError("KeyServer.Keys is nil: set the fs.FS that holds the key files, laid out like the presentations (os.DirFS, say)")
	case k.Verifier != nil && k.Resource == nil:
		return configError("KeyServer.Verifier is set without KeyServer.Resource: the Verifier checks credentials against the URL Resource returns; set Resource (the key's CDN URL beside its playlist), or remove the Verifier")
	case k.Verifier == nil && k.Resource != nil:
		return configError("KeyServer.Resource is set without KeyServer.Verifier: nothing checks the credentials; set the Verifier (with the distribution's public keys), or remove Resource")
	case k.Authorize == nil && k.Verifier == nil:
		return configError("KeyServer has neither Authorize nor Verifier and Resource set, so it would refuse every viewer: set Authorize (a session check), Verifier and Resource (the credentials Handler.Keys puts on key URIs), or both")
	}
	return nil
}

// configErr is Validate's verdict, reached once: a KeyServer is configured
// before its first request.
func (k *KeyServer) configErr() error {
	k.checked.Do(func() { k.invalid = k.Validate() })
	return k.invalid
}
