import axios, { AxiosError } from 'axios';

export const API_BASE_URL = '/api/v1';
export const REQUEST_TIMEOUT_MS = 8000;

export const apiClient = axios.create({
  baseURL: API_BASE_URL,
  timeout: REQUEST_TIMEOUT_MS,
  headers: { 'Content-Type': 'application/json' },
});

export class ApiError extends Error {
  constructor(
    message: string,
    public readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

apiClient.interceptors.response.use(
  (response) => response,
  (error: AxiosError) => {
    const status = error.response?.status;
    if (status === 401) {
      window.location.assign('/login');
    }
    return Promise.reject(new ApiError(error.message, status));
  },
);
