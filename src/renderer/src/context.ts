import { createContext, useContext } from 'react';
import type { EngineBridge } from '../../shared/contracts/engine-api';
import type { CaptureManager } from './capture/manager';

export interface Engine {
  bridge: EngineBridge;
  captures: CaptureManager;
}

export const EngineContext = createContext<Engine | null>(null);

export function useEngine(): Engine {
  const engine = useContext(EngineContext);
  if (!engine) throw new Error('useEngine outside <EngineContext.Provider>');
  return engine;
}
