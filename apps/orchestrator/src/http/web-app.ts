import type { FastifyStaticOptions } from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { replyNotFound } from './errors.js';

/**
 * A request for the web interface rather than the API: a page or an asset. The app itself holds
 * no secret, so these are served without a token; the calls it then makes carry one.
 */
export const isWebAppRequest = ({ method, url }: { method: string; url: string }) =>
  (method === 'GET' || method === 'HEAD') && !/^\/(api|trpc)(?:[/?]|$)/.test(url);

/** apps/web's build (`vite build`); absent when the web interface was not built. */
export function webAppDirectory(): string | null {
  try {
    const dist = join(
      dirname(createRequire(import.meta.url).resolve('@ucloud/web/package.json')),
      'dist',
    );
    return existsSync(join(dist, 'index.html')) ? dist : null;
  } catch {
    return null;
  }
}

/** @fastify/static's options for the app's files: one route per file, found at start. */
export const webAppFiles = (root: string): FastifyStaticOptions => ({
  root,
  // No catch-all route: the not-found handler (webAppFallback) stays in charge of the rest.
  wildcard: false,
  cacheControl: false,
  // Vite names assets by their content: they never change. index.html must be asked for again.
  setHeaders: (res, path) => {
    const asset = path.startsWith(join(root, 'assets'));
    res.setHeader('cache-control', asset ? 'public, max-age=31536000, immutable' : 'no-cache');
  },
});

/**
 * What a path without a route answers: index.html for a page of the app, so that a reload of a
 * client-side route (/jobs/12) finds the app; the API's JSON 404 for unknown API paths and missing
 * assets (an old build's, say). Without a build, pages say how to make one.
 */
export const webAppFallback =
  (root: string | null) => (request: FastifyRequest, reply: FastifyReply) => {
    if (!isWebAppRequest(request) || request.url.startsWith('/assets/'))
      return replyNotFound(request, reply);
    if (root === null)
      return reply.code(404).send({
        why: 'The web interface was not built: run `npm run build` (or `npm start`), then reload.',
        errorCode: 'NOT_FOUND',
      });
    return reply.sendFile('index.html');
  };
