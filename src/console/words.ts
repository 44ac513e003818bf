import type { TransferState } from '../database/entities/transfer.entity';

/** The states in the words of ../shared/CONSOLE.md, used on every page. */
export const STATE_WORDS: Record<TransferState, string> = {
  planned: 'Đã lập',
  extracted: 'Đã lập',
  mapped: 'Sẵn sàng gửi',
  pushing: 'Đang gửi',
  pushed: 'Đã gửi, chờ xác nhận',
  confirmed: 'Đã xác nhận',
  invalid: 'Không hợp lệ',
  failed: 'Gửi thất bại',
  unknown: 'Chưa rõ kết quả',
  drifted: 'Lệch số liệu',
  returned: 'Bị trả lại',
  cancelled: 'Đã hủy',
};

export const STATE_ORDER: TransferState[] = [
  'planned',
  'mapped',
  'pushing',
  'pushed',
  'confirmed',
  'invalid',
  'failed',
  'unknown',
  'drifted',
  'returned',
  'cancelled',
];

export const LEVEL_WORDS: Record<string, string> = {
  province: 'Tỉnh',
  department: 'Sở, ban, ngành',
  district: 'Cấp huyện',
  'district-agency': 'Cơ quan chuyên môn cấp huyện',
  commune: 'Cấp xã',
};

export const ROLE_WORDS: Record<string, string> = {
  operator: 'Vận hành',
  auditor: 'Thanh tra',
  admin: 'Quản trị',
};

export const STEP_WORDS: Record<string, string> = {
  submit: 'Nhập số liệu',
  approve: 'Duyệt',
  send: 'Gửi',
  confirm: 'Xác nhận',
  read: 'Đọc lại',
};

export const DISCREPANCY_WORDS: Record<string, string> = {
  missing: 'Bản quốc gia bị thiếu',
  different: 'Bản quốc gia khác số liệu',
  unexpected: 'Có bản quốc gia không do cổng gửi',
  returned: 'Bị trả lại để sửa',
  open: 'Chưa xử lý',
  resolved: 'Đã chấp nhận',
  repushed: 'Đã gửi lại',
};
