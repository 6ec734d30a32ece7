export declare const THREAD_POOL_SIZE: number;
/** Sets UV_THREADPOOL_SIZE in `env` unless the user chose a size; returns `env`. */
export declare function withThreadPoolSize<T extends Record<string, string | undefined>>(env: T): T;
