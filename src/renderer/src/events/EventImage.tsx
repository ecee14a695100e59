/** An event's snapshot or crop, as a blob URL of its bytes (fetched with the token in serve mode, over IPC in the desktop app). */
import { useEffect, useState } from 'react';
import { useEngine } from '../context';
import { eventImageUrl } from './store';

export function EventImage({ id, kind, className, alt, testId }: { id: string; kind: 'snapshot' | 'crop'; className?: string; alt: string; testId?: string }) {
  const { bridge } = useEngine();
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    eventImageUrl(bridge, id, kind).then(
      (u) => {
        url = u;
        if (live) setSrc(u);
        else if (u.startsWith('blob:')) URL.revokeObjectURL(u);
      },
      () => live && setSrc(null),
    );
    return () => {
      live = false;
      if (url?.startsWith('blob:')) URL.revokeObjectURL(url);
    };
  }, [bridge, id, kind]);
  return src ? <img src={src} className={className} alt={alt} data-testid={testId} loading="lazy" /> : <span className={`${className ?? ''} loading`} />;
}
