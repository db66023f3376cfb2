package signer

import (
	"crypto"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
)

// DefaultVerifierCacheSize is how many verified signatures a Verifier
// remembers unless [Verifier.SetCacheSize] says otherwise.
const DefaultVerifierCacheSize = 4096

// SetCacheSize bounds the Verifier's cache of verified signatures to n
// entries and empties it; 0 disables the cache, and a negative n is refused
// with an error wrapping [ErrConfig]. Without a call, a Verifier keeps
// [DefaultVerifierCacheSize] entries. It is meant to be called while the
// Verifier is being configured, next to AddKey, though it is safe at any
// time.
//
// The cache holds one fact per entry: this signature verifies over this
// policy document with this hash algorithm under the key this Key-Pair-Id
// named when it was checked. It is keyed by a SHA-256 digest of those exact
// bytes (the policy document as signed, which for a canned policy is
// rebuilt from the request URL and Expires, the decoded signature, the
// Key-Pair-Id, the hash algorithm) and of which key was trusted under that
// ID. A hit saves only the RSA or ECDSA verification: the credentials are
// read, the policy parsed, and its expiry, start, source IP and resource
// evaluated against the given time, client and URL on every call, so a
// cached signature never lets an expired or out-of-scope request through.
// Only signatures that verify are cached, and replacing or removing a key
// (AddKey again under the same ID, RemoveKey) makes every entry made under
// the old key useless: they are never consulted again and age out.
//
// When full, the cache forgets an entry not used recently (the CLOCK
// approximation of least recently used). An entry costs about 100 bytes.
func (v *Verifier) SetCacheSize(n int) error {
	if n < 0 {
		return fmt.Errorf("%w: Verifier.SetCacheSize(%d): the size is negative; 0 disables the cache", ErrConfig, n)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	v.cache, v.cacheSet = newSigCache(n), true
	return nil
}

// verifyCached is verifySignature with the cache c in front of it (nil: no
// cache): a signature already verified under the same trusted key k is not
// verified again, and one that verifies now is remembered.
func verifyCached(c *sigCache, k trustedKey, keyID string, h crypto.Hash, doc, sig []byte) error {
	if c == nil {
		return verifySignature(k.pub, h, doc, sig)
	}
	id := sigKeyOf(k.gen, keyID, h, doc, sig)
	if c.get(id) {
		return nil
	}
	if err := verifySignature(k.pub, h, doc, sig); err != nil {
		return err
	}
	c.put(id)
	return nil
}

// sigKey identifies a verified signature: a SHA-256 digest of everything
// that decides whether it verifies.
type sigKey [sha256.Size]byte

// sigKeyOf digests the key generation gen (which key was trusted), the
// Key-Pair-Id, the hash algorithm, the policy document and the signature,
// each variable-length part prefixed with its length so that no two inputs
// share an encoding.
func sigKeyOf(gen uint64, keyID string, h crypto.Hash, doc, sig []byte) sigKey {
	d := sha256.New()
	var n [8]byte
	put := func(x uint64) {
		binary.BigEndian.PutUint64(n[:], x)
		d.Write(n[:])
	}
	put(gen)
	put(uint64(h))
	put(uint64(len(keyID)))
	d.Write([]byte(keyID))
	put(uint64(len(doc)))
	d.Write(doc)
	put(uint64(len(sig)))
	d.Write(sig)
	var k sigKey
	d.Sum(k[:0])
	return k
}

// sigCache is a bounded set of sigKeys with CLOCK eviction: a hit only sets
// its slot's used bit, under the read lock, so concurrent hits do not
// serialise; an insert into a full cache sweeps the slots from the hand,
// clearing used bits, and takes the first slot found unused.
type sigCache struct {
	mu    sync.RWMutex
	max   int
	index map[sigKey]int // slot of each key
	slots []sigSlot      // grows to max, then slots are reused
	hand  int            // next slot the sweep looks at
}

type sigSlot struct {
	key  sigKey
	used atomic.Bool
}

// newSigCache returns a cache of max entries, or nil (no cache) for 0.
func newSigCache(max int) *sigCache {
	if max <= 0 {
		return nil
	}
	return &sigCache{max: max, index: make(map[sigKey]int)}
}

// get reports whether k is in the cache, and marks it used.
func (c *sigCache) get(k sigKey) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	i, ok := c.index[k]
	if ok && !c.slots[i].used.Load() {
		c.slots[i].used.Store(true)
	}
	return ok
}

// put adds k, evicting an entry not used since the hand last passed it when
// the cache is full.
func (c *sigCache) put(k sigKey) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.index[k]; ok {
		return
	}
	if len(c.slots) < c.max {
		c.slots = append(c.slots, sigSlot{key: k})
		c.index[k] = len(c.slots) - 1
		return
	}
	for {
		s := &c.slots[c.hand]
		i := c.hand
		c.hand = (c.hand + 1) % c.max
		if s.used.Load() {
			s.used.Store(false) // a second chance; at most one sweep clears them all
			continue
		}
		delete(c.index, s.key)
		s.key = k
		c.index[k] = i
		return
	}
}

// len returns how many entries the cache holds.
func (c *sigCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.index)
}
