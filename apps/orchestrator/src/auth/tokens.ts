import { createHash, randomBytes } from 'node:crypto';

/**
 * sha256, not a slow password hash: tokens are 256 random bits, not something a person chose, so
 * no dictionary or brute force gets anywhere near one, and a fast hash lets every request look
 * its token up by hash in one indexed read.
 */
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new bearer token; the prefix lets secret scanners and people recognise one. */
export const newToken = () => `ucloud_${randomBytes(32).toString('base64url')}`;

/** Token ids are public (listed, used to revoke): short, random, and unrelated to the secret. */
export const newTokenId = () => randomBytes(6).toString('hex');
