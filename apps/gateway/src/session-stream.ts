import type { ServiceError } from '@grpc/grpc-js';
import type { SessionOpen, SessionOutput } from '@ucloud/provider-proto';
import { Duplex } from 'node:stream';
import { PluginCallError } from './errors.js';
import type { PluginClient } from './plugin-client.js';

/**
 * A plugin's ConnectSession as a Node byte stream: what is written goes to the rank, what the
 * rank sends is read, with backpressure both ways. Ending the writable side half-closes the
 * call; destroying the stream cancels it. A refusal or failure of the plugin destroys the stream
 * with a PluginCallError (its HTTP status says why).
 */
export function openSessionStream(plugin: PluginClient, open: SessionOpen): Duplex {
  const call = plugin.connectSession();
  const stream = new Duplex({
    write(chunk: Buffer, _encoding, done) {
      if (call.write({ input: { $case: 'data', value: chunk } })) done();
      else call.once('drain', () => done());
    },
    final(done) {
      call.end();
      done();
    },
    read() {
      call.resume();
    },
    destroy(err, done) {
      call.cancel();
      done(err);
    },
  });
  call.write({ input: { $case: 'open', value: open } });
  call.on('data', (out: SessionOutput) => {
    if (!stream.push(out.data)) call.pause();
  });
  call.on('end', () => stream.push(null));
  call.on('error', (err: ServiceError) =>
    stream.destroy(new PluginCallError(plugin.name, 'ConnectSession', err)),
  );
  return stream;
}
