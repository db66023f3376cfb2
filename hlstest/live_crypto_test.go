package hlstest

import (
	"crypto/aes"
	"crypto/cipher"
	"errors"
)

// aes128Decrypt reverses aes128Encrypt, checking the padding.
func aes128Decrypt(key, iv, enc []byte) ([]byte, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	if len(enc) == 0 || len(enc)%aes.BlockSize != 0 {
		return nil, errors.New("hlstest: ciphertext is not whole AES blocks")
	}
	out := make([]byte, len(enc))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, enc)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > aes.BlockSize {
		return nil, errors.New("hlstest: bad PKCS#7 padding")
	}
	for _, b := range out[len(out)-pad:] {
		if int(b) != pad {
			return nil, errors.New("hlstest: bad PKCS#7 padding")
		}
	}
	return out[:len(out)-pad], nil
}
