import { execa } from 'execa';

/** Containers and networks that carry certdrill's label, as the docker CLI lists them. */
export async function certdrillLeftovers(label = 'certdrill=true'): Promise<{ containers: string[]; networks: string[]; volumes: string[] }> {
  const list = async (format: string, ...args: string[]) =>
    (await execa('docker', [...args, '--filter', `label=${label}`, '--format', format])).stdout
      .split('\n')
      .filter(Boolean);
  return {
    containers: await list('{{.Names}}', 'ps', '-a'),
    networks: await list('{{.Name}}', 'network', 'ls'),
    volumes: await list('{{.Name}}', 'volume', 'ls'),
  };
}
